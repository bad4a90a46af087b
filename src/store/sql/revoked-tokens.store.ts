import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** Revoked JWT ids (logout). Rows are useless once the token has expired, so they are purged then. */
export class RevokedTokensStore {
  constructor(private readonly db: Kysely<Database>) {}

  async isRevoked(jti: string): Promise<boolean> {
    const row = await this.db.selectFrom('revoked_tokens').select('jti').where('jti', '=', jti).executeTakeFirst();
    return row !== undefined;
  }

  async revoke(trx: Kysely<Database>, row: { jti: string; username: string; expiresAt: string; revokedAt: string }): Promise<void> {
    await trx
      .insertInto('revoked_tokens')
      .values({ jti: row.jti, username: row.username, expires_at: row.expiresAt, revoked_at: row.revokedAt })
      .onConflict((oc) => oc.column('jti').doNothing())
      .execute();
  }

  async purgeExpired(now: string): Promise<void> {
    await this.db.deleteFrom('revoked_tokens').where('expires_at', '<', now).execute();
  }
}
