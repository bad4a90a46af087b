import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { LoginFailuresTable } from '../db/tables/accounts.tables.js';

export type LoginFailureRow = Selectable<LoginFailuresTable>;

/** Failed-login counters in the database, so a lockout holds across processes and restarts. */
export class LoginFailuresStore {
  constructor(private readonly db: Kysely<Database>) {}

  async get(username: string): Promise<LoginFailureRow | undefined> {
    return this.db.selectFrom('login_failures').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /** Adds one failure atomically and returns the new count. */
  async increment(trx: Kysely<Database>, username: string, at: string): Promise<number> {
    const row = await trx
      .insertInto('login_failures')
      .values({ username, failures: 1, locked_until: null, last_failure_at: at })
      .onConflict((oc) =>
        oc.column('username').doUpdateSet((eb) => ({
          failures: eb(eb.ref('login_failures.failures'), '+', 1),
          last_failure_at: at,
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    return Number(row.failures);
  }

  /** Locks the account until `until` and starts the next count from zero. */
  async lock(trx: Kysely<Database>, username: string, until: string): Promise<void> {
    await trx.updateTable('login_failures').set({ locked_until: until, failures: 0 }).where('username', '=', username).execute();
  }

  async clear(username: string, trx: Kysely<Database> = this.db): Promise<void> {
    await trx.deleteFrom('login_failures').where('username', '=', username).execute();
  }
}
