import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

export interface ApiKeyOwner {
  userId: number;
  username: string;
  role: string;
  active: boolean;
}

/** API keys by SHA-256: one indexed lookup per request, whatever the number of users. */
export class ApiKeysStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores the user's key, replacing (and so invalidating) any previous one. */
  async replace(trx: Kysely<Database>, userId: number, keyHash: string, createdAt: string): Promise<void> {
    await trx
      .insertInto('api_keys')
      .values({ user_id: userId, key_hash: keyHash, created_at: createdAt })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ key_hash: keyHash, created_at: createdAt }))
      .execute();
  }

  async findOwner(keyHash: string): Promise<ApiKeyOwner | undefined> {
    const row = await this.db
      .selectFrom('api_keys')
      .innerJoin('users', 'users.id', 'api_keys.user_id')
      .select(['users.id', 'users.username', 'users.role', 'users.active'])
      .where('api_keys.key_hash', '=', keyHash)
      .executeTakeFirst();
    return row && { userId: row.id, username: row.username, role: row.role, active: row.active === 1 };
  }
}
