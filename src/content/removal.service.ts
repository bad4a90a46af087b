import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { PublishService } from '../repo/publish.service.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { CatalogStore, LiveRow } from '../store/sql/catalog.store.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';

export interface RemovalTarget {
  name: string;
  version?: string;
  /** Limit the removal to one distribution (default: every distribution holding it). */
  distribution?: string;
  arch?: string;
  format?: 'deb' | 'rpm';
}

export interface RemovalResult {
  status: 'deleted';
  package: string;
  version: string | null;
  removed: Array<{ distribution: string; snapshot: number; versions: string[]; packages: number }>;
  message: string;
}

/**
 * Deleting a package never edits a snapshot: each affected repository gets a new snapshot without it, the
 * audit event commits with that snapshot, and the repository is republished. Earlier snapshots (and any
 * environment pointing at them) keep the package.
 */
export class RemovalService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      catalog: CatalogStore;
      repositories: RepositoriesStore;
      snapshots: SnapshotsStore;
      audit: AuditService;
      publisher: PublishService;
      clock: Clock;
    },
  ) {}

  async remove(actor: Actor, target: RemovalTarget): Promise<RemovalResult> {
    const { deps } = this;
    const filter = { name: target.name, version: target.version, distribution: target.distribution, arch: target.arch, format: target.format };
    const before = await deps.catalog.liveRows(filter);
    if (before.length === 0) {
      throw new AppError('NOT_FOUND', `${target.name}${target.version ? ` ${target.version}` : ''} is in no distribution${target.distribution ? ` named ${target.distribution}` : ''}`);
    }
    const repoIds = [...new Set(before.map((r) => r.repositoryId))].sort((a, b) => a - b);
    const at = deps.clock.now().toISOString();

    const removed = await deps.db.transaction().execute(async (trx) => {
      // Locks in id order so two deletions spanning the same repositories cannot deadlock.
      for (const id of repoIds) await lockRepository(trx, id);
      const rows = await deps.catalog.liveRows(filter, trx);
      const out: Array<RemovalResult['removed'][number] & { repositoryId: number }> = [];
      for (const id of repoIds) {
        const mine = rows.filter((r) => r.repositoryId === id);
        if (mine.length === 0) continue;
        out.push(await this.removeFrom(trx, actor, id, mine, target, at));
      }
      return out;
    });
    if (removed.length === 0) throw new AppError('NOT_FOUND', `${target.name} was removed meanwhile`);

    await Promise.all(removed.map((r) => deps.publisher.publish(r.repositoryId)));
    const what = `${target.name}${target.version ? ` ${target.version}` : ''}`;
    return {
      status: 'deleted',
      package: target.name,
      version: target.version ?? null,
      removed: removed.map(({ repositoryId: _, ...r }) => r),
      message: `${what} removed from ${removed.map((r) => r.distribution).join(', ')}`,
    };
  }

  private async removeFrom(trx: Kysely<Database>, actor: Actor, repositoryId: number, rows: LiveRow[], target: RemovalTarget, at: string) {
    const { deps } = this;
    const repo = (await deps.repositories.getById(repositoryId, trx))!;
    const number = repo.headSnapshot + 1;
    const versions = [...new Set(rows.map((r) => r.version))];
    const packageIds = [...new Set(rows.map((r) => r.packageId))];
    await deps.snapshots.create(trx, {
      repositoryId,
      number,
      reason: `delete ${target.name}${target.version ? ` ${target.version}` : ''}`,
      actor: actor.username,
      createdAt: at,
    });
    await deps.snapshots.removeMembers(trx, repositoryId, packageIds, number);
    await deps.repositories.setHead(trx, repositoryId, number);
    await deps.audit.record(trx, {
      actor,
      action: 'DELETE',
      result: 'SUCCESS',
      package: target.name,
      version: target.version ?? versions.join(', '),
      distribution: repo.name,
      detail: { snapshot: number, packages: rows.map((r) => ({ version: r.version, arch: r.arch, sha256: r.sha256 })) },
    });
    return { repositoryId, distribution: repo.name, snapshot: number, versions, packages: packageIds.length };
  }
}
