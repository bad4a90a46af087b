import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import type { Clock } from '../core/clock.js';
import type { JobService } from '../jobs/job.service.js';
import type { PublishService } from '../repo/publish.service.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { Database } from '../store/db/schema.js';
import type { AdvisoriesStore } from '../store/sql/advisories.store.js';
import type { DecisionsStore } from '../store/sql/decisions.store.js';
import type { FindingsStore } from '../store/sql/findings.store.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import type { SecurityPackagesStore } from '../store/sql/security-packages.store.js';
import type { SecuritySettingsStore } from '../store/sql/security-settings.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';

/** Everything the security services use, built once in the composition root. */
export interface SecurityDeps {
  db: Kysely<Database>;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  jobs: JobService;
  publisher: PublishService;
  blobs: BlobStore;
  repositories: RepositoriesStore;
  snapshots: SnapshotsStore;
  advisories: AdvisoriesStore;
  findings: FindingsStore;
  decisions: DecisionsStore;
  settings: SecuritySettingsStore;
  packages: SecurityPackagesStore;
}
