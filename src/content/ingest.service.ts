import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { parseDeb } from '../formats/deb/deb.parse.js';
import { parseRpm } from '../formats/rpm/rpm.parse.js';
import type { BlobFacts, ParsedPackage } from '../formats/types.js';
import type { PublishService } from '../repo/publish.service.js';
import type { BlobStore, StagedBlob } from '../store/blobs/blob-store.js';
import type { Database } from '../store/db/schema.js';
import type { PackagesStore } from '../store/sql/packages.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import { renderFragments } from './render-fragments.js';
import { UploadCommitter } from './upload-commit.js';

export type UploadStatus = 'accepted' | 'pending_review' | 'rejected' | 'already_imported';

export interface UploadResult {
  status: UploadStatus;
  filename: string;
  format: 'deb' | 'rpm';
  package: string;
  version: string;
  arch: string;
  sha256: string;
  size: number;
  distribution: string;
  snapshot: number;
  message: string;
}

export interface IngestDeps {
  audit: AuditService;
  db: Kysely<Database>;
  blobs: BlobStore;
  repositories: RepositoriesStore;
  packages: PackagesStore;
  snapshots: SnapshotsStore;
  publisher: PublishService;
  clock: Clock;
  /** Checks run on every parsed upload before anything is stored; a check refuses by throwing an AppError. */
  checks?: UploadCheck[];
}

export interface UploadCheckInput {
  actor: Actor;
  repository: Repository;
  package: ParsedPackage;
  facts: BlobFacts;
  staged: StagedBlob;
}

export type UploadCheck = (upload: UploadCheckInput) => Promise<void>;

const ARCH_INDEPENDENT = { deb: 'all', rpm: 'noarch' } as const;

export function formatOfFilename(filename: string): 'deb' | 'rpm' {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.deb')) return 'deb';
  if (lower.endsWith('.rpm')) return 'rpm';
  throw new AppError('UNSUPPORTED_FILE_TYPE', `"${filename}" is neither a .deb nor an .rpm file`);
}

/**
 * Ingest: a staged upload becomes a package (stored once by SHA-256) and a new snapshot of the target
 * repository, then the repository is published. Parsing and checks run per upload, concurrently; the
 * commit is grouped per repository (UploadCommitter). The blob is committed before the rows that
 * reference it. The answer comes once the snapshot is committed; the serving plane waits for the pending
 * publication before it answers, so a client reading after the answer sees the package.
 */
export class IngestService {
  private readonly committer: UploadCommitter;

  constructor(private readonly deps: IngestDeps) {
    this.committer = new UploadCommitter(deps, (trx, u) =>
      this.checkConflict(u.repo, u.pkg.name, u.rendered.version, u.pkg.arch, u.facts.sha256, trx),
    );
  }

  async stage(filename: string, input: Readable, maxBytes: number): Promise<StagedBlob> {
    formatOfFilename(filename);
    return this.deps.blobs.stage(input, { maxBytes });
  }

  async importStaged(actor: Actor, distribution: string, filename: string, staged: StagedBlob): Promise<UploadResult> {
    try {
      return await this.importOrThrow(actor, distribution, filename, staged);
    } finally {
      await staged.discard();
    }
  }

  private async importOrThrow(actor: Actor, distribution: string, filename: string, staged: StagedBlob): Promise<UploadResult> {
    const { deps } = this;
    const repo = await deps.repositories.getByName(distribution);
    if (!repo) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${distribution}"`);
    const format = formatOfFilename(filename);
    if (format !== repo.format) {
      throw new AppError('FORMAT_MISMATCH', `a .${format} cannot go to ${repo.format} distribution "${repo.name}"`, {
        distribution: repo.name,
        distribution_format: repo.format,
      });
    }
    const pkg = await this.parse(format, staged);
    if (pkg.arch !== ARCH_INDEPENDENT[format] && !repo.architectures.includes(pkg.arch)) {
      throw new AppError('ARCH_NOT_ALLOWED', `architecture ${pkg.arch} is not served by "${repo.name}" (${repo.architectures.join(', ')})`);
    }
    const facts = staged.facts;
    const uploadedAt = deps.clock.now();
    const component = repo.components[0] ?? 'main';
    const rendered = renderFragments(pkg, facts, { component, uploadedAt });
    const base = {
      filename,
      format,
      package: pkg.name,
      version: rendered.version,
      arch: pkg.arch,
      sha256: facts.sha256,
      size: facts.size,
      distribution: repo.name,
    };

    // The place for checks that may still refuse the upload (antivirus, signature, policy): the package is
    // parsed, nothing is stored yet.
    for (const check of deps.checks ?? []) await check({ actor, repository: repo, package: pkg, facts, staged });

    const known = (await deps.packages.findBySha(facts.sha256)) !== undefined;
    if (!known) await this.checkConflict(repo, pkg.name, rendered.version, pkg.arch, facts.sha256);
    const outcome = await this.committer.submit({ actor, repo, pkg, rendered, facts, staged, component, uploadedAt, known });
    if (outcome.status === 'already_imported') {
      return { ...base, ...outcome, message: `${pkg.name} ${rendered.version} is already in ${repo.name}` };
    }
    return { ...base, ...outcome, message: `${pkg.name} ${rendered.version} published to ${repo.name}` };
  }

  private async parse(format: 'deb' | 'rpm', staged: StagedBlob): Promise<ParsedPackage> {
    const src = await staged.source();
    try {
      return format === 'deb' ? await parseDeb(src) : await parseRpm(src);
    } catch (err) {
      if (isAppError(err)) throw err;
      throw new AppError('FORMAT_INVALID', `unreadable .${format}: ${(err as Error).message}`);
    } finally {
      await src.close();
    }
  }

  /**
   * Same name, version and arch with other bytes is a conflict: across all deb distributions (they
   * share one pool, as with reprepro), and within the target repository for rpm.
   */
  private async checkConflict(repo: Repository, name: string, version: string, arch: string, sha256: string, db?: Kysely<Database>): Promise<void> {
    const { deps } = this;
    const same = await deps.packages.findByIdentity(repo.format, name, version, arch, db);
    for (const other of same) {
      if (other.sha256 === sha256) continue;
      if (repo.format === 'rpm' && !(await deps.snapshots.isLiveMember(repo.id, other.id, db))) continue;
      throw new AppError('DUPLICATE_CONFLICT', `${name} ${version} ${arch} already exists with different content`, {
        existing_sha256: other.sha256,
        uploaded_sha256: sha256,
      });
    }
  }
}
