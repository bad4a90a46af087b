import type { Kysely, Selectable } from 'kysely';
import type { Database, UsersTable } from '../db/schema.js';

export type UserRow = Selectable<UsersTable>;

export class UsersStore {
  constructor(private readonly db: Kysely<Database>) {}

  async findByUsername(username: string): Promise<UserRow | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async create(input: { username: string; passwordHash: string; role: string; createdAt: string }): Promise<UserRow> {
    return this.db
      .insertInto('users')
      .values({ username: input.username, password_hash: input.passwordHash, role: input.role, active: 1, created_at: input.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow();
  }
}
