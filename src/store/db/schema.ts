import type { Generated } from 'kysely';
import type { AccountsTables } from './tables/accounts.tables.js';
import type { AuditTables } from './tables/audit.tables.js';
import type { EnvironmentsTables } from './tables/environments.tables.js';
import type { HostsTables } from './tables/hosts.tables.js';
import type { JobsTables } from './tables/jobs.tables.js';
import type { OperationsTables } from './tables/operations.tables.js';
import type { SecurityTables } from './tables/security.tables.js';

/** Table types for Kysely. Timestamps are ISO-8601 UTC strings on both dialects; JSON is text. */
export interface UsersTable {
  id: Generated<number>;
  username: string;
  password_hash: string;
  role: string;
  active: number;
  created_at: string;
  /** Added by the accounts migration. */
  full_name: Generated<string>;
  email: Generated<string>;
  last_login: string | null;
  updated_at: string | null;
  /** JWTs issued before this instant (whole seconds) are refused: set by an admin password reset. */
  sessions_valid_after: string | null;
}

export interface RepositoriesTable {
  id: Generated<number>;
  name: string;
  format: 'deb' | 'rpm';
  kind: 'local' | 'mirror';
  components: string;
  architectures: string;
  origin: string;
  label: string;
  description: string;
  created_at: string;
  /** Number of the newest snapshot (0 = none yet). */
  head_snapshot: number;
  /** The publication the implicit `current` environment serves; switched in one UPDATE. */
  current_publication_id: number | null;
}

export interface PackagesTable {
  id: Generated<number>;
  sha256: string;
  format: 'deb' | 'rpm';
  name: string;
  /** Display version: deb "[epoch:]upstream[-revision]", rpm "[epoch:]version-release". */
  version: string;
  arch: string;
  source: string;
  source_version: string;
  /** Path relative to the serving root: deb pool path, rpm "Packages/<file>". */
  filename: string;
  size: number;
  sha1: string;
  md5: string;
  /** JSON of the parsed package without its file list. */
  meta: string;
  /** JSON of the file list. */
  files: string;
  /** Rendered Packages stanza (deb) or primary.xml <package> (rpm). */
  fragment_index: string;
  /** Contents lines (deb) or filelists.xml <package> (rpm). */
  fragment_files: string;
  /** other.xml <package> (rpm); empty for deb. */
  fragment_other: string;
  created_at: string;
  uploaded_by: string;
}

export interface SnapshotsTable {
  id: Generated<number>;
  repository_id: number;
  number: number;
  created_at: string;
  reason: string;
  actor: string;
}

/**
 * Snapshot membership as intervals: a package belongs to snapshot N of its repository when
 * added_in <= N and (removed_in is null or removed_in > N). Snapshot N's content therefore never changes
 * once N exists, and a change costs one row instead of a copy of the whole repository.
 */
export interface RepositoryPackagesTable {
  repository_id: number;
  package_id: number;
  component: string;
  added_in: number;
  removed_in: number | null;
}

export interface PublicationsTable {
  id: Generated<number>;
  repository_id: number;
  snapshot_number: number;
  created_at: string;
}

export interface PublicationFilesTable {
  publication_id: number;
  path: string;
  sha256: string;
  size: number;
  /** JSON array of blob sha256 whose concatenation is the file (index files are assembled from chunks). */
  parts: string;
}

export interface IndexChunksTable {
  key: string;
  raw_sha: string;
  raw_size: number;
  gz_sha: string;
  gz_size: number;
  xz_sha: string;
  xz_size: number;
  /** The .xz block records (unpadded:uncompressed,...) of the chunk's blocks, for the stream index. */
  xz_records: string;
  created_at: string;
}

/** The core tables; every other area declares its tables in tables/*.tables.ts and is merged here. */
export interface CoreTables {
  users: UsersTable;
  repositories: RepositoriesTable;
  packages: PackagesTable;
  snapshots: SnapshotsTable;
  repository_packages: RepositoryPackagesTable;
  publications: PublicationsTable;
  publication_files: PublicationFilesTable;
  index_chunks: IndexChunksTable;
}

export interface Database extends CoreTables, AuditTables, JobsTables, AccountsTables, SecurityTables, HostsTables, OperationsTables, EnvironmentsTables {}
