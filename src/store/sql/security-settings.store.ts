import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecurityFeedsTable } from '../db/tables/security.tables.js';

export type FeedRow = Selectable<SecurityFeedsTable>;
export type NewFeedRow = Insertable<SecurityFeedsTable>;

/** Feed sources and the area's JSON settings (policy, distribution → release map). */
export class SecuritySettingsStore {
  /**
   * Values read inside a transaction, per transaction: a group commit asks the gate once per upload, and the
   * policy does not change under it (its own writes update the memo).
   */
  private readonly read = new WeakMap<Kysely<Database>, Map<string, string | undefined>>();

  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string, db: Kysely<Database> = this.db): Promise<string | undefined> {
    const memo = db.isTransaction ? this.memo(db) : undefined;
    if (memo?.has(key)) return memo.get(key);
    const r = await db.selectFrom('security_settings').select('value').where('key', '=', key).executeTakeFirst();
    memo?.set(key, r?.value);
    return r?.value;
  }

  async put(db: Kysely<Database>, key: string, value: string, at: string, by: string): Promise<void> {
    await db
      .insertInto('security_settings')
      .values({ key, value, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: by }))
      .execute();
    if (db.isTransaction) this.memo(db).set(key, value);
  }

  private memo(trx: Kysely<Database>): Map<string, string | undefined> {
    let m = this.read.get(trx);
    if (!m) this.read.set(trx, (m = new Map()));
    return m;
  }

  async createFeed(db: Kysely<Database>, row: NewFeedRow): Promise<number> {
    const r = await db.insertInto('security_feeds').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async feeds(db: Kysely<Database> = this.db): Promise<FeedRow[]> {
    return db.selectFrom('security_feeds').selectAll().orderBy('id').execute();
  }

  async feed(id: number, db: Kysely<Database> = this.db): Promise<FeedRow | undefined> {
    return db.selectFrom('security_feeds').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async feedByName(name: string, db: Kysely<Database> = this.db): Promise<FeedRow | undefined> {
    return db.selectFrom('security_feeds').selectAll().where('name', '=', name).executeTakeFirst();
  }

  async updateFeed(db: Kysely<Database>, id: number, fields: Partial<Omit<NewFeedRow, 'id'>>): Promise<void> {
    await db.updateTable('security_feeds').set(fields).where('id', '=', id).execute();
  }

  async deleteFeed(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('security_feeds').where('id', '=', id).execute();
  }

  /** URL feeds whose refresh time has come. */
  async dueFeeds(now: string): Promise<FeedRow[]> {
    return this.db
      .selectFrom('security_feeds')
      .selectAll()
      .where('url', '!=', '')
      .where('refresh_hours', '>', 0)
      .where((eb) => eb.or([eb('next_refresh_at', 'is', null), eb('next_refresh_at', '<=', now)]))
      .execute();
  }
}
