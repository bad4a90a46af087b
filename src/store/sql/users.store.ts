import type { Kysely, Selectable, Updateable } from 'kysely';
import { lockAccounts } from '../db/dialect.js';
import type { Database, UsersTable } from '../db/schema.js';

export type UserRow = Selectable<UsersTable>;
export type UserChanges = Pick<Updateable<UsersTable>, 'role' | 'full_name' | 'email' | 'active' | 'password_hash' | 'sessions_valid_after' | 'last_login' | 'updated_at'>;

export class UsersStore {
  constructor(private readonly db: Kysely<Database>) {}

  async findByUsername(username: string, trx: Kysely<Database> = this.db): Promise<UserRow | undefined> {
    return trx.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async findById(id: number): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async list(): Promise<UserRow[]> {
    return this.db.selectFrom('users').selectAll().orderBy('username').execute();
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** Active admins, counted inside the caller's transaction after taking the accounts lock. */
  async countActiveAdminsLocked(trx: Kysely<Database>): Promise<number> {
    await lockAccounts(trx);
    const r = await trx
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('active', '=', 1)
      .executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async create(
    input: { username: string; passwordHash: string; role: string; createdAt: string; fullName?: string; email?: string },
    trx: Kysely<Database> = this.db,
  ): Promise<UserRow> {
    return trx
      .insertInto('users')
      .values({
        username: input.username,
        password_hash: input.passwordHash,
        role: input.role,
        active: 1,
        created_at: input.createdAt,
        full_name: input.fullName ?? '',
        email: input.email ?? '',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  }

  async update(trx: Kysely<Database>, id: number, changes: UserChanges): Promise<UserRow> {
    return trx.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
  }

  async delete(trx: Kysely<Database>, id: number): Promise<void> {
    await trx.deleteFrom('users').where('id', '=', id).execute();
  }
}
