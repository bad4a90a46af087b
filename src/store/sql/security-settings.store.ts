import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import { TransactionMemo } from '../db/transaction-memo.js';
import type { SecurityFeedsTable } from '../db/tables/security.tables.js';

export type FeedRow = Selectable<SecurityFeedsTable>;
export type NewFeedRow = Insertable<SecurityFeedsTable>;

/** Feed sources and the area's JSON settings (policy, distribution → release map). */
export class SecuritySettingsStore {
  /** The policy does not change under a group commit, which asks the gate once per upload. */
  private readonly read = new TransactionMemo<string, string | undefined>();

  constructor(private readonly db: Kysely<Database>) {}

  async get(key: string, db: Kysely<Database> = this.db): Promise<string | undefined> {
    return this.read.get(db, key, async () => (await db.selectFrom('security_settings').select('value').where('key', '=', key).executeTakeFirst())?.value);
  }

  async put(db: Kysely<Database>, key: string, value: string, at: string, by: string): Promise<void> {
    await db
      .insertInto('security_settings')
      .values({ key, value, updated_at: at, updated_by: by })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value, updated_at: at, updated_by: by }))
      .execute();
    this.read.set(db, key, value);
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
