import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { JobService } from '../jobs/job.service.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { EnvironmentsStore, SnapshotRow } from '../store/sql/environments.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotContentStore, SnapshotPackage } from '../store/sql/snapshot-content.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import type { PublishService } from './publish.service.js';

export const REBUILD_JOB = 'snapshot-rebuild';

export interface SnapshotDeps {
  db: Kysely<Database>;
  repositories: RepositoriesStore;
  snapshots: SnapshotsStore;
  environments: EnvironmentsStore;
  content: SnapshotContentStore;
  publications: PublicationsStore;
  publisher: PublishService;
  jobs: JobService;
  audit: AuditService;
  clock: Clock;
}

export interface SnapshotRef {
  snapshot: SnapshotRow;
  repo: Repository;
}

/** Target content of a derived snapshot: package id → component. */
export type SnapshotContent = Map<number, string>;

/**
 * Snapshots are immutable: a change to "snapshot X" (Repomanager upload/delete) builds a NEW snapshot, the
 * repository's next number, whose content is X's plus or minus the change. Its global id (snapshots.id) is
 * what API v2 calls the snapshot id; within a repository the number orders snapshots.
 */
export class SnapshotService {
  constructor(private readonly deps: SnapshotDeps) {}

  async byId(id: number): Promise<SnapshotRef> {
    const snapshot = await this.deps.environments.snapshotById(id);
    const repo = snapshot && (await this.deps.repositories.getById(snapshot.repositoryId));
    if (!snapshot || !repo) throw new AppError('NOT_FOUND', `no snapshot ${id}`);
    return { snapshot, repo };
  }

  async byNumber(repo: Repository, number: number): Promise<SnapshotRef> {
    const snapshot = await this.deps.environments.snapshotByNumber(repo.id, number);
    if (!snapshot) throw new AppError('NOT_FOUND', `repository "${repo.name}" has no snapshot ${number}`);
    return { snapshot, repo };
  }

  list(repo: Repository): Promise<SnapshotRow[]> {
    return this.deps.environments.snapshots(repo.id);
  }

  packages(ref: SnapshotRef): Promise<SnapshotPackage[]> {
    return this.deps.content.members(ref.repo.id, ref.snapshot.number);
  }

  /** Packages in `to` and not in `from` (added), and the reverse (removed). */
  async diff(from: SnapshotRef, to: SnapshotRef): Promise<{ added: SnapshotPackage[]; removed: SnapshotPackage[] }> {
    const [a, b] = await Promise.all([this.packages(from), this.packages(to)]);
    const inA = new Set(a.map((p) => p.packageId));
    const inB = new Set(b.map((p) => p.packageId));
    return { added: b.filter((p) => !inA.has(p.packageId)), removed: a.filter((p) => !inB.has(p.packageId)) };
  }

  /**
   * Creates the repository's next snapshot with exactly `content`, as membership changes against the head,
   * in one transaction with its audit events; then `current` is republished.
   */
  async derive(actor: Actor, repo: Repository, content: SnapshotContent, reason: string, audit: (trx: Kysely<Database>, number: number) => Promise<void>): Promise<SnapshotRow> {
    const { deps } = this;
    const snapshot = await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      const fresh = (await deps.repositories.getById(repo.id, trx))!;
      const head = await deps.content.members(repo.id, fresh.headSnapshot, trx);
      const number = fresh.headSnapshot + 1;
      const createdAt = deps.clock.now().toISOString();
      await deps.snapshots.create(trx, { repositoryId: repo.id, number, reason, actor: actor.username, createdAt });
      const inHead = new Set(head.map((m) => m.packageId));
      await deps.snapshots.removeMembers(trx, repo.id, head.filter((m) => !content.has(m.packageId)).map((m) => m.packageId), number);
      for (const [packageId, component] of content) {
        if (!inHead.has(packageId)) await deps.snapshots.addMember(trx, repo.id, packageId, component, number);
      }
      await deps.repositories.setHead(trx, repo.id, number);
      await audit(trx, number);
      return (await deps.environments.snapshotByNumber(repo.id, number, trx))!;
    });
    await deps.publisher.publish(repo.id);
    return snapshot;
  }

  /** A new snapshot: `from` without the packages whose file names are given. */
  async deletePackages(actor: Actor, from: SnapshotRef, filenames: string[]): Promise<{ snapshot: SnapshotRow; deleted: SnapshotPackage[] }> {
    const members = await this.packages(from);
    const wanted = new Set(filenames);
    const deleted = members.filter((m) => wanted.has(m.filename) || wanted.has(basename(m.filename)));
    const missing = filenames.filter((f) => !deleted.some((m) => m.filename === f || basename(m.filename) === f));
    if (missing.length) throw new AppError('NOT_FOUND', `not in snapshot ${from.snapshot.id}: ${missing.join(', ')}`, { missing });
    const gone = new Set(deleted.map((m) => m.packageId));
    const content: SnapshotContent = new Map(members.filter((m) => !gone.has(m.packageId)).map((m) => [m.packageId, m.component]));
    const snapshot = await this.derive(actor, from.repo, content, `delete ${deleted.length} package(s) from snapshot ${from.snapshot.number}`, async (trx, number) => {
      for (const m of deleted) {
        await this.deps.audit.record(trx, { actor, action: 'DELETE', result: 'SUCCESS', package: m.name, version: m.version, distribution: from.repo.name, detail: { arch: m.arch, sha256: m.sha256, from_snapshot: from.snapshot.number, snapshot: number } });
      }
    });
    return { snapshot, deleted };
  }

  /** Queues a re-publication (and re-signature) of the snapshot. */
  async requestRebuild(actor: Actor, ref: SnapshotRef): Promise<number> {
    return this.deps.jobs.enqueue(REBUILD_JOB, { snapshot_id: ref.snapshot.id, actor: { username: actor.username, role: actor.role, ip: actor.ip ?? '' } }, { createdBy: actor.username, lockKey: `repository:${ref.repo.id}` });
  }

  /** The job: a fresh publication of the snapshot; environments (and `current`) serving it move to it. */
  async rebuild(actor: Actor, snapshotId: number): Promise<{ publication: number; environments: number }> {
    const { deps } = this;
    const { snapshot, repo } = await this.byId(snapshotId);
    const publication = await deps.publisher.publishSnapshot(repo.id, snapshot.number);
    const environments = await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      const moved = await deps.environments.repointPublication(trx, repo.id, snapshot.number, publication);
      const fresh = (await deps.repositories.getById(repo.id, trx))!;
      const live = fresh.currentPublicationId !== null ? await deps.publications.getPublication(fresh.currentPublicationId, trx) : undefined;
      if (live?.snapshotNumber === snapshot.number) await deps.repositories.setCurrentPublication(trx, repo.id, publication);
      await deps.audit.record(trx, { actor, action: 'SNAPSHOT_CHANGE', result: 'SUCCESS', distribution: repo.name, detail: { op: 'rebuild', snapshot: snapshot.number, snapshot_id: snapshot.id, publication } });
      return moved;
    });
    return { publication, environments };
  }
}

export function basename(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
