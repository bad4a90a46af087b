import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecurityDecisionsTable } from '../db/tables/security.tables.js';

export type DecisionRow = Selectable<SecurityDecisionsTable>;
export type NewDecisionRow = Insertable<SecurityDecisionsTable>;

/** Human decisions on findings; rows are never deleted, a newer decision supersedes the active one. */
export class DecisionsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(db: Kysely<Database>, row: NewDecisionRow): Promise<number> {
    const r = await db.insertInto('security_decisions').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async active(packageId: number, repositoryId: number, db: Kysely<Database> = this.db): Promise<DecisionRow | undefined> {
    return db
      .selectFrom('security_decisions')
      .selectAll()
      .where('package_id', '=', packageId)
      .where('repository_id', '=', repositoryId)
      .where('state', '=', 'active')
      .orderBy('id', 'desc')
      .executeTakeFirst();
  }

  async activeForRepository(repositoryId: number, db: Kysely<Database> = this.db): Promise<Map<number, DecisionRow>> {
    const rows = await db.selectFrom('security_decisions').selectAll().where('repository_id', '=', repositoryId).where('state', '=', 'active').orderBy('id').execute();
    return new Map(rows.map((r) => [r.package_id, r]));
  }

  async end(db: Kysely<Database>, ids: number[], state: 'superseded' | 'expired' | 'resolved', at: string): Promise<void> {
    if (!ids.length) return;
    await db.updateTable('security_decisions').set({ state, ended_at: at }).where('id', 'in', ids).where('state', '=', 'active').execute();
  }

  /** Active exceptions whose expiry has passed. */
  async expired(now: string, db: Kysely<Database> = this.db): Promise<DecisionRow[]> {
    return db.selectFrom('security_decisions').selectAll().where('state', '=', 'active').where('expires_at', 'is not', null).where('expires_at', '<=', now).execute();
  }

  /** Active upgrade_required decisions on any of the given package names in a repository. */
  async upgradesWaitingFor(names: string[], repositoryId: number, db: Kysely<Database> = this.db): Promise<DecisionRow[]> {
    if (names.length === 0) return [];
    return db
      .selectFrom('security_decisions')
      .selectAll()
      .where('name', 'in', names)
      .where('repository_id', '=', repositoryId)
      .where('action', '=', 'upgrade_required')
      .where('state', '=', 'active')
      .execute();
  }

  async list(filter: { name?: string; version?: string; packageIds?: number[]; repositoryId?: number; limit: number; offset: number }): Promise<{ items: DecisionRow[]; total: number }> {
    let q = this.db.selectFrom('security_decisions');
    if (filter.name !== undefined) q = q.where('name', '=', filter.name);
    if (filter.version !== undefined) q = q.where('version', '=', filter.version);
    if (filter.packageIds) q = q.where('package_id', 'in', filter.packageIds.length ? filter.packageIds : [-1]);
    if (filter.repositoryId !== undefined) q = q.where('repository_id', '=', filter.repositoryId);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const items = await q.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return { items, total: Number(total?.n ?? 0) };
  }
}
