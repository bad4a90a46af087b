import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Database } from '../store/db/schema.js';
import type { ApiTokensStore } from '../store/sql/api-tokens.store.js';
import type { LoginFailuresStore } from '../store/sql/login-failures.store.js';
import type { UserChanges, UserRow, UsersStore } from '../store/sql/users.store.js';
import { type UserView, userView } from './auth.types.js';
import { checkPasswordPolicy, hashPassword } from './password.js';
import type { Role } from './permissions.js';

export interface UserCreate {
  username: string;
  password: string;
  role?: Role;
  full_name?: string;
  email?: string;
}

export interface UserUpdate {
  role?: Role;
  full_name?: string;
  email?: string;
  active?: boolean;
}

/** User administration (admins). Every change is audited in its own transaction. */
export class UsersService {
  constructor(
    private readonly deps: { db: Kysely<Database>; users: UsersStore; tokens: ApiTokensStore; loginFailures: LoginFailuresStore; audit: AuditService; clock: Clock },
  ) {}

  async list(): Promise<UserView[]> {
    return (await this.deps.users.list()).map(userView);
  }

  async create(actor: Actor, input: UserCreate): Promise<UserView> {
    checkPasswordPolicy(input.password);
    if (await this.deps.users.findByUsername(input.username)) throw new AppError('USER_EXISTS', `the user ${input.username} already exists`);
    const passwordHash = await hashPassword(input.password);
    const role = input.role ?? 'reader';
    const user = await this.deps.db
      .transaction()
      .execute(async (trx) => {
        const created = await this.deps.users.create(
          { username: input.username, passwordHash, role, createdAt: this.now(), fullName: input.full_name, email: input.email },
          trx,
        );
        await this.deps.audit.record(trx, { actor, action: 'USER_CREATE', result: 'SUCCESS', detail: { target: input.username, role } });
        return created;
      })
      .catch(async (err: unknown) => {
        // Two concurrent creations of one name: the unique index decides, the loser gets the same answer.
        if (await this.deps.users.findByUsername(input.username)) throw new AppError('USER_EXISTS', `the user ${input.username} already exists`);
        throw err;
      });
    return userView(user);
  }

  async update(actor: Actor, username: string, input: UserUpdate): Promise<UserView> {
    const target = await this.find(username);
    const changes: UserChanges = {};
    if (input.role !== undefined && input.role !== target.role) changes.role = input.role;
    if (input.active !== undefined && (input.active ? 1 : 0) !== target.active) changes.active = input.active ? 1 : 0;
    if (input.full_name !== undefined) changes.full_name = input.full_name;
    if (input.email !== undefined) changes.email = input.email;
    if (target.username === actor.username && (changes.role !== undefined || changes.active === 0)) {
      throw new AppError('SELF_CHANGE_FORBIDDEN', 'an admin cannot change their own role or deactivate themselves');
    }
    const removesAdmin = target.role === 'admin' && target.active === 1 && ((changes.role !== undefined && changes.role !== 'admin') || changes.active === 0);
    const updated = await this.deps.db.transaction().execute(async (trx) => {
      if (removesAdmin) await this.ensureAnotherAdmin(trx);
      const row = await this.deps.users.update(trx, target.id, { ...changes, updated_at: this.now() });
      await this.deps.audit.record(trx, {
        actor,
        action: 'USER_UPDATE',
        result: 'SUCCESS',
        detail: { target: username, changes: { ...changes, ...(changes.active !== undefined ? { active: changes.active === 1 } : {}) } },
      });
      return row;
    });
    return userView(updated);
  }

  async delete(actor: Actor, username: string): Promise<void> {
    const target = await this.find(username);
    if (target.username === actor.username) throw new AppError('SELF_CHANGE_FORBIDDEN', 'an admin cannot delete themselves');
    await this.deps.db.transaction().execute(async (trx) => {
      if (target.role === 'admin' && target.active === 1) await this.ensureAnotherAdmin(trx);
      const revoked = await this.deps.tokens.revokeAllOf(trx, target.id, this.now());
      await this.deps.loginFailures.clear(username, trx);
      await this.deps.users.delete(trx, target.id);
      await this.deps.audit.record(trx, { actor, action: 'USER_DELETE', result: 'SUCCESS', detail: { target: username, role: target.role, api_tokens_revoked: revoked } });
    });
  }

  /** Sets a new password, ends the user's existing sessions and lifts a lockout. */
  async resetPassword(actor: Actor, username: string, password: string): Promise<void> {
    const target = await this.find(username);
    checkPasswordPolicy(password);
    const passwordHash = await hashPassword(password);
    await this.deps.db.transaction().execute(async (trx) => {
      const now = this.now();
      // JWT iat has whole seconds: a token issued later in this same second must stay valid.
      const cutoff = `${now.slice(0, 19)}.000Z`;
      await this.deps.users.update(trx, target.id, { password_hash: passwordHash, sessions_valid_after: cutoff, updated_at: now });
      await this.deps.loginFailures.clear(username, trx);
      await this.deps.audit.record(trx, { actor, action: 'PASSWORD_RESET', result: 'SUCCESS', detail: { target: username } });
    });
  }

  private async find(username: string): Promise<UserRow> {
    const user = await this.deps.users.findByUsername(username);
    if (!user) throw new AppError('NOT_FOUND', `no user ${username}`);
    return user;
  }

  /** Inside the change's transaction, under the accounts lock: the change must leave one active admin. */
  private async ensureAnotherAdmin(trx: Kysely<Database>): Promise<void> {
    if ((await this.deps.users.countActiveAdminsLocked(trx)) <= 1) throw new AppError('LAST_ADMIN');
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}
