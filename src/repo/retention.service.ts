import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { EnvironmentsStore } from '../store/sql/environments.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotContentStore } from '../store/sql/snapshot-content.store.js';

export interface RetentionResult {
  repository: string;
  deletedSnapshots: number[];
  deletedIntervals: number;
  deletedPackages: number;
}

/**
 * Keeps, per repository, every snapshot an environment serves (`current` included) plus the newest
 * `keep` others; deletes the rest. Membership rows are intervals [added_in, removed_in): a row is deleted
 * only when no remaining snapshot lies inside it, so the content of every kept snapshot is unchanged
 * (open rows always contain the head, which is always kept).
 */
export class RetentionService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      repositories: RepositoriesStore;
      publications: PublicationsStore;
      environments: EnvironmentsStore;
      content: SnapshotContentStore;
      audit: AuditService;
      logger: Logger;
      keep: number;
    },
  ) {}

  async applyAll(actor: Actor): Promise<RetentionResult[]> {
    const out: RetentionResult[] = [];
    for (const repo of await this.deps.repositories.list()) out.push(await this.apply(actor, repo));
    return out;
  }

  async apply(actor: Actor, repo: Repository, keep = this.deps.keep): Promise<RetentionResult> {
    const { deps } = this;
    const { deleted, intervals, packageIds } = await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      const fresh = (await deps.repositories.getById(repo.id, trx))!;
      const numbers = await deps.content.numbers(repo.id, trx);
      const pointed = new Set<number>([fresh.headSnapshot, ...(await deps.environments.pointers(repo.id, trx)).map((p) => p.snapshotNumber)]);
      if (fresh.currentPublicationId !== null) {
        const cur = await deps.publications.getPublication(fresh.currentPublicationId, trx);
        if (cur) pointed.add(cur.snapshotNumber);
      }
      const unpointed = numbers.filter((n) => !pointed.has(n));
      const deleted = unpointed.slice(keep).sort((a, b) => a - b);
      if (deleted.length === 0) return { deleted, intervals: 0, packageIds: [] as number[] };
      const gone = new Set(deleted);
      const kept = numbers.filter((n) => !gone.has(n)).sort((a, b) => a - b);
      await deps.content.deleteSnapshots(trx, repo.id, deleted);
      const packageIds = new Set<number>();
      let intervals = 0;
      for (const row of await deps.content.closedIntervals(repo.id, trx)) {
        if (containsAny(kept, row.addedIn, row.removedIn)) continue;
        await deps.content.deleteInterval(trx, repo.id, row.packageId, row.addedIn);
        packageIds.add(row.packageId);
        intervals++;
      }
      await deps.audit.record(trx, { actor, action: 'SNAPSHOT_CHANGE', result: 'SUCCESS', distribution: repo.name, detail: { op: 'retention', keep, deleted_snapshots: deleted } });
      return { deleted, intervals, packageIds: [...packageIds] };
    });
    // Packages no repository contains any more lose their row; a row another area still references
    // (foreign key) stays, and so does its blob.
    let deletedPackages = 0;
    for (const id of await deps.content.unreferencedPackages(packageIds)) {
      try {
        await deps.content.deletePackage(id);
        deletedPackages++;
      } catch (err) {
        deps.logger.info({ err, package: id }, 'package row still referenced; kept');
      }
    }
    return { repository: repo.name, deletedSnapshots: deleted, deletedIntervals: intervals, deletedPackages };
  }
}

/** Whether a sorted list has a value in [from, to). */
function containsAny(sorted: number[], from: number, to: number): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < from) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo] < to;
}
