import type { Readable } from 'node:stream';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError, isAppError } from '../core/errors.js';
import { parseDeb } from '../formats/deb/deb.parse.js';
import { parseRpm } from '../formats/rpm/rpm.parse.js';
import type { ParsedPackage } from '../formats/types.js';
import type { PublishService } from '../repo/publish.service.js';
import type { GateVerdict, PackageGate } from '../security/gate.js';
import type { BlobStore, StagedBlob } from '../store/blobs/blob-store.js';
import type { Database } from '../store/db/schema.js';
import type { PackagesStore } from '../store/sql/packages.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import { renderFragments } from './render-fragments.js';
import { runUploadChecks, type UploadCheck } from './upload-check.js';
import { conflictError, type Identity, identityKey, packageRow, UploadCommitter } from './upload-commit.js';

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
  /** Non-blocking findings of the upload checks and the gate (antivirus unreachable, unsigned, policy warn). */
  warnings?: string[];
  /** The security gate's findings summary, when there are findings. */
  findings?: GateVerdict['summary'];
}

export interface StoredPackage {
  packageId: number;
  name: string;
  version: string;
  arch: string;
  sha256: string;
  filename: string;
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
  /** Run after parsing, before the blob is committed (src/content/upload-check.ts). */
  checks?: readonly UploadCheck[];
  /** Asked inside the commit, once the package row exists and before it becomes a member. */
  gate?: PackageGate;
}

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
 * commit is grouped per repository (UploadCommitter), with the security gate asked inside it. The blob is
 * committed before the rows that reference it. The answer comes once the snapshot is committed; the serving
 * plane waits for the pending publication before it answers, so a client reading after the answer sees it.
 */
export class IngestService {
  private readonly committer: UploadCommitter;

  constructor(private readonly deps: IngestDeps) {
    this.committer = new UploadCommitter(deps, (trx, repo, ids) => this.takenIdentities(repo, ids, trx));
  }

  async stage(filename: string, input: Readable, maxBytes: number): Promise<StagedBlob> {
    formatOfFilename(filename);
    return this.deps.blobs.stage(input, { maxBytes });
  }

  /** `distribution` by name, or the repository a caller importing many files has already looked up. */
  async importStaged(actor: Actor, distribution: string | Repository, filename: string, staged: StagedBlob, extras: { signature?: Uint8Array } = {}): Promise<UploadResult> {
    try {
      return await this.importOrThrow(actor, distribution, filename, staged, extras);
    } finally {
      await staged.discard();
    }
  }

  private async importOrThrow(actor: Actor, distribution: string | Repository, filename: string, staged: StagedBlob, extras: { signature?: Uint8Array }): Promise<UploadResult> {
    const { deps } = this;
    const repo = typeof distribution === 'string' ? await deps.repositories.getByName(distribution) : distribution;
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
    // Checks that may still refuse the upload (antivirus, signature): parsed, nothing stored yet.
    const checkInput = { source: () => staged.source(), pkg, filename, signature: extras.signature };
    const warnings = await runUploadChecks(deps.checks ?? [], checkInput, { db: deps.db, audit: deps.audit, actor, distribution: repo.name, staged, identity: base });

    // A conflict with another package is decided inside the commit (UploadCommitter), where it is final.
    const outcome = await this.committer.submit({ actor, repo, pkg, rendered, facts, staged, component, uploadedAt });
    const what = `${pkg.name} ${rendered.version}`;
    const gate = outcome.gate;
    const findings = gate?.summary && gate.summary.total > 0 ? { findings: gate.summary } : {};
    const all = [...warnings, ...(gate?.verdict === 'warn' ? [gate.reason] : [])];
    const result = { ...base, status: outcome.status, snapshot: outcome.snapshot, ...findings, ...(all.length ? { warnings: all } : {}) };
    switch (outcome.status) {
      case 'already_imported':
        return { ...result, message: `${what} is already in ${repo.name}` };
      case 'pending_review':
        return { ...result, message: `${what} is stored and waits for a security review: ${gate?.reason ?? ''}` };
      case 'rejected':
        return { ...result, message: `${what} is rejected and quarantined: ${gate?.reason ?? ''}` };
      default:
        return { ...result, message: `${what} published to ${repo.name}${gate?.verdict === 'warn' ? ` with a warning: ${gate.reason}` : ''}` };
    }
  }

  /**
   * Parses a staged upload and stores it as a package (blob, then row) without adding it to any snapshot:
   * snapshot uploads (API v2) build one new snapshot from many files. Deb identities stay unique across the
   * shared pool; rpm replacement within a snapshot is the caller's decision.
   */
  async storePackage(actor: Actor, repo: Repository, filename: string, staged: StagedBlob): Promise<StoredPackage> {
    const { deps } = this;
    const format = formatOfFilename(filename);
    if (format !== repo.format) throw new AppError('FORMAT_MISMATCH', `a .${format} cannot go to ${repo.format} repository "${repo.name}"`);
    const pkg = await this.parse(format, staged);
    if (pkg.arch !== ARCH_INDEPENDENT[format] && !repo.architectures.includes(pkg.arch)) {
      throw new AppError('ARCH_NOT_ALLOWED', `architecture ${pkg.arch} is not served by "${repo.name}" (${repo.architectures.join(', ')})`);
    }
    const facts = staged.facts;
    const uploadedAt = deps.clock.now();
    const rendered = renderFragments(pkg, facts, { component: repo.components[0] ?? 'main', uploadedAt });
    const stored = { name: pkg.name, version: rendered.version, arch: pkg.arch, sha256: facts.sha256, filename: rendered.filename };
    const existing = await deps.packages.findBySha(facts.sha256);
    if (existing) return { ...stored, packageId: existing.id };
    if (format === 'deb') await this.checkConflict(repo, { name: pkg.name, version: rendered.version, arch: pkg.arch }, facts.sha256);
    await staged.commit();
    const packageId = await deps.db.transaction().execute(async (trx) => {
      const again = await deps.packages.findBySha(facts.sha256, trx);
      if (again) return again.id;
      return deps.packages.insert(trx, packageRow({ pkg, rendered, facts, uploadedAt, actor }));
    });
    return { ...stored, packageId };
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
   * share one pool, as with reprepro), and within the target repository for rpm. Answers which of the
   * given identities are taken, by identityKey, with the SHA-256 of a package that holds it.
   */
  private async takenIdentities(repo: Repository, ids: Identity[], db?: Kysely<Database>): Promise<Map<string, string>> {
    const { deps } = this;
    const wanted = new Set(ids.map(identityKey));
    let same = (await deps.packages.findByNames(repo.format, [...new Set(ids.map((i) => i.name))], db)).filter((r) => wanted.has(identityKey(r)));
    if (repo.format === 'rpm' && same.length > 0) {
      const live = await deps.snapshots.liveMemberIds(repo.id, same.map((r) => r.id), db);
      same = same.filter((r) => live.has(r.id));
    }
    return new Map(same.map((r) => [identityKey(r), r.sha256]));
  }

  private async checkConflict(repo: Repository, id: Identity, sha256: string): Promise<void> {
    const other = (await this.takenIdentities(repo, [id])).get(identityKey(id));
    if (other !== undefined && other !== sha256) throw conflictError(id, other, sha256);
  }
}
