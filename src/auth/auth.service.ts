import { randomBytes, randomUUID } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Database } from '../store/db/schema.js';
import type { LoginFailuresStore } from '../store/sql/login-failures.store.js';
import type { RevokedTokensStore } from '../store/sql/revoked-tokens.store.js';
import type { UserRow, UsersStore } from '../store/sql/users.store.js';
import { ApiTokensService } from './api-tokens.service.js';
import { type Principal, type UserView, userView } from './auth.types.js';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './password.js';

export interface AuthDeps {
  db: Kysely<Database>;
  users: UsersStore;
  loginFailures: LoginFailuresStore;
  revokedTokens: RevokedTokensStore;
  apiTokens: ApiTokensService;
  audit: AuditService;
  clock: Clock;
  jwtSecret: string;
  jwtExpireMinutes: number;
  loginMaxAttempts: number;
  loginLockoutMinutes: number;
}

export interface IssuedToken {
  access_token: string;
  token_type: 'bearer';
  expires_in: number;
}

const ISSUER = 'packyard';

type Claims = { sub: string; jti: string; exp: number; iat: number; uid?: unknown };

/** Logins, sessions (JWT issue, verify, refresh, logout) and the caller's own password. */
export class AuthService {
  private readonly key: Uint8Array;
  // Verifying against this when the user does not exist keeps answers timing-equal for unknown users.
  private readonly dummyHash: Promise<string>;
  /** Tokens whose signature was verified, by token text (see verifiedClaims). */
  private readonly verified = new BoundedMap<string, Claims>(2_000);

  constructor(private readonly deps: AuthDeps) {
    this.key = new TextEncoder().encode(deps.jwtSecret);
    this.dummyHash = hashPassword(randomBytes(16).toString('hex'));
  }

  hashPassword(password: string): Promise<string> {
    return hashPassword(password);
  }

  /** Creates the first admin when there are no users; returns the generated password when one was generated. */
  async bootstrapAdmin(username: string, password: string): Promise<{ created: boolean; generatedPassword?: string }> {
    if ((await this.deps.users.count()) > 0) return { created: false };
    const generated = password ? undefined : `${randomBytes(12).toString('base64url')}A1!`;
    await this.deps.users.create({
      username,
      passwordHash: await hashPassword(password || generated!),
      role: 'admin',
      createdAt: this.deps.clock.now().toISOString(),
    });
    return { created: true, generatedPassword: generated };
  }

  async login(username: string, password: string, ip = ''): Promise<IssuedToken> {
    const { db, loginFailures, audit, clock } = this.deps;
    const now = clock.now();
    const failure = (trx: Kysely<Database>, reason: string, extra: Record<string, unknown> = {}) =>
      audit.record(trx, { actor: { username, role: '', ip }, action: 'LOGIN', result: 'FAILURE', detail: { reason, ...extra } });

    // Locks are kept per attempted name, known or not, so a lock says nothing about whether the user exists.
    const lock = await loginFailures.get(username);
    if (lock?.locked_until && lock.locked_until > now.toISOString()) {
      const retryAfter = Math.ceil((Date.parse(lock.locked_until) - now.getTime()) / 1000);
      await failure(db, 'account_locked', { locked_until: lock.locked_until });
      throw new AppError('ACCOUNT_LOCKED', `Too many failed logins; try again in ${Math.ceil(retryAfter / 60)} minute(s)`, { retry_after: retryAfter });
    }

    const user = await this.deps.users.findByUsername(username);
    const ok = await verifyPassword(user?.password_hash ?? (await this.dummyHash), password);
    if (!user || !ok || user.active !== 1) {
      const left = await db.transaction().execute(async (trx) => {
        const failures = await loginFailures.increment(trx, username, now.toISOString());
        const remaining = Math.max(0, this.deps.loginMaxAttempts - failures);
        if (remaining === 0) await loginFailures.lock(trx, username, new Date(now.getTime() + this.deps.loginLockoutMinutes * 60_000).toISOString());
        await failure(trx, user && ok ? 'inactive' : 'bad_credentials', { attempts_left: remaining });
        return remaining;
      });
      const note = left === 0 ? ` (account locked for ${this.deps.loginLockoutMinutes} minutes)` : left <= 3 ? ` (${left} attempt(s) left)` : '';
      throw new AppError('BAD_CREDENTIALS', `Incorrect username or password${note}`);
    }

    return db.transaction().execute(async (trx) => {
      await loginFailures.clear(username, trx);
      await this.deps.users.update(trx, user.id, { last_login: now.toISOString() });
      await audit.record(trx, { actor: { username, role: user.role, ip }, action: 'LOGIN', result: 'SUCCESS' });
      return this.issue(user);
    });
  }

  /** A fresh JWT for the caller's session (the old one stays valid until it expires). */
  async refresh(principal: Principal): Promise<IssuedToken> {
    if (principal.credential.kind !== 'jwt') throw new AppError('SESSION_REQUIRED');
    const user = await this.activeUser(principal.username);
    return this.deps.db.transaction().execute(async (trx) => {
      await this.deps.audit.record(trx, { actor: principal, action: 'TOKEN_REFRESH', result: 'SUCCESS' });
      return this.issue(user);
    });
  }

  /** Revokes the presented JWT's jti until the token would have expired anyway. */
  async logout(principal: Principal): Promise<void> {
    const cred = principal.credential;
    if (cred.kind !== 'jwt') throw new AppError('SESSION_REQUIRED', 'API tokens are revoked with DELETE /auth/api-tokens/{id}');
    const now = this.deps.clock.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.revokedTokens.revoke(trx, { jti: cred.jti, username: principal.username, expiresAt: cred.expiresAt, revokedAt: now });
      await this.deps.audit.record(trx, { actor: principal, action: 'LOGOUT', result: 'SUCCESS' });
    });
    await this.deps.revokedTokens.purgeExpired(now);
  }

  async me(principal: Principal): Promise<UserView & { auth: Principal['credential']['kind'] }> {
    const user = await this.activeUser(principal.username);
    // An API token acts with its own role, which may be lower than its owner's.
    return { ...userView(user), role: principal.role, auth: principal.credential.kind };
  }

  async changePassword(principal: Principal, current: string, next: string): Promise<void> {
    if (principal.credential.kind !== 'jwt') throw new AppError('SESSION_REQUIRED');
    const user = await this.activeUser(principal.username);
    if (!(await verifyPassword(user.password_hash, current))) {
      await this.deps.audit.record(this.deps.db, { actor: principal, action: 'PASSWORD_CHANGE', result: 'FAILURE', detail: { reason: 'current_password_incorrect' } });
      throw new AppError('CURRENT_PASSWORD_INCORRECT');
    }
    checkPasswordPolicy(next);
    const passwordHash = await hashPassword(next);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.users.update(trx, user.id, { password_hash: passwordHash, updated_at: this.deps.clock.now().toISOString() });
      await this.deps.audit.record(trx, { actor: principal, action: 'PASSWORD_CHANGE', result: 'SUCCESS' });
    });
  }

  /**
   * Resolves a Bearer credential (JWT or API token) to a principal. The role is re-read from the database,
   * never trusted from the token; deleted, re-created or deactivated users' tokens stop working.
   */
  async authenticate(bearer: string): Promise<Principal> {
    if (ApiTokensService.looksLikeToken(bearer)) return this.deps.apiTokens.authenticate(bearer);
    const claims = await this.verifiedClaims(bearer);
    if (await this.deps.revokedTokens.isRevoked(claims.jti)) throw new AppError('AUTH_INVALID', 'The token has been revoked');
    const user = await this.deps.users.findByUsername(claims.sub);
    if (!user || user.active !== 1 || user.id !== claims.uid) throw new AppError('AUTH_INVALID');
    if (user.sessions_valid_after && claims.iat * 1000 < Date.parse(user.sessions_valid_after)) throw new AppError('AUTH_INVALID');
    return { username: user.username, role: user.role, credential: { kind: 'jwt', jti: claims.jti, expiresAt: new Date(claims.exp * 1000).toISOString() } };
  }

  /**
   * The claims of a JWT whose signature and issuer were checked. A signature, once verified, stays valid, so
   * it is checked once per token (CI clients send the same token with every upload); expiry is checked on
   * every call, and revocation and the user by the caller.
   */
  private async verifiedClaims(bearer: string): Promise<Claims> {
    let claims = this.verified.get(bearer);
    if (!claims) {
      let payload: Partial<Claims>;
      try {
        ({ payload } = await jwtVerify(bearer, this.key, { issuer: ISSUER, algorithms: ['HS256'], currentDate: this.deps.clock.now() }));
      } catch {
        throw new AppError('AUTH_INVALID');
      }
      if (!payload.sub || !payload.jti || !payload.exp || !payload.iat) throw new AppError('AUTH_INVALID');
      claims = { sub: payload.sub, jti: payload.jti, exp: payload.exp, iat: payload.iat, uid: payload.uid };
      this.verified.set(bearer, claims);
    }
    // jose's rule: expired once the clock reaches exp.
    if (this.deps.clock.now().getTime() >= claims.exp * 1000) throw new AppError('AUTH_INVALID');
    return claims;
  }

  /** Signs a session token for a user (login and refresh; tests mint tokens with it too). */
  async issue(user: Pick<UserRow, 'id' | 'username' | 'role'>): Promise<IssuedToken> {
    const expiresIn = this.deps.jwtExpireMinutes * 60;
    const now = Math.floor(this.deps.clock.now().getTime() / 1000);
    const token = await new SignJWT({ role: user.role, uid: user.id })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.username)
      .setIssuer(ISSUER)
      .setJti(randomUUID())
      .setIssuedAt(now)
      .setExpirationTime(now + expiresIn)
      .sign(this.key);
    return { access_token: token, token_type: 'bearer', expires_in: expiresIn };
  }

  private async activeUser(username: string): Promise<UserRow> {
    const user = await this.deps.users.findByUsername(username);
    if (!user || user.active !== 1) throw new AppError('AUTH_INVALID');
    return user;
  }
}
