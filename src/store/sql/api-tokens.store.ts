import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ApiTokensTable } from '../db/tables/accounts.tables.js';

export type ApiTokenRow = Selectable<ApiTokensTable>;

export class ApiTokensStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** One unique-index lookup by the token's SHA-256: no scan, no per-row hash verification. */
  async findByHash(tokenHash: string): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
  }

  async findById(id: number): Promise<ApiTokenRow | undefined> {
    return this.db.selectFrom('api_tokens').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Tokens of one user, or of everyone when `username` is undefined; newest first. */
  async list(username?: string): Promise<ApiTokenRow[]> {
    let q = this.db.selectFrom('api_tokens').selectAll().orderBy('id', 'desc');
    if (username !== undefined) q = q.where('username', '=', username);
    return q.execute();
  }

  async create(trx: Kysely<Database>, row: Omit<ApiTokensTable, 'id' | 'last_used_at' | 'revoked_at'>): Promise<ApiTokenRow> {
    return trx.insertInto('api_tokens').values(row).returningAll().executeTakeFirstOrThrow();
  }

  async revoke(trx: Kysely<Database>, id: number, at: string): Promise<void> {
    await trx.updateTable('api_tokens').set({ revoked_at: at }).where('id', '=', id).where('revoked_at', 'is', null).execute();
  }

  async revokeAllOf(trx: Kysely<Database>, userId: number, at: string): Promise<number> {
    const r = await trx.updateTable('api_tokens').set({ revoked_at: at }).where('user_id', '=', userId).where('revoked_at', 'is', null).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async touch(id: number, at: string): Promise<void> {
    await this.db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  }
}
