import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Database } from '../store/db/schema.js';
import type { ApiTokenRow, ApiTokensStore } from '../store/sql/api-tokens.store.js';
import type { UsersStore } from '../store/sql/users.store.js';
import type { Principal } from './auth.types.js';
import { allowed, roleWithin } from './permissions.js';

/** The recognisable start of every API token (secret scanners and humans can tell what leaked). */
export const API_TOKEN_PREFIX = 'pky_';
const SHOWN_PREFIX_LENGTH = API_TOKEN_PREFIX.length + 8;
// last_used_at is a convenience, not a log: one write per token per minute is plenty.
const TOUCH_INTERVAL_MS = 60_000;

export interface ApiTokenView {
  id: number;
  name: string;
  role: string;
  prefix: string;
  username: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
  last_used: string | null;
  last_used_at: string | null;
  revoked: boolean;
  revoked_at: string | null;
}

export interface CreateTokenInput {
  name: string;
  role?: string;
  expires_days?: number;
  /** Owner other than the caller: admins only. */
  username?: string;
}

function view(r: ApiTokenRow): ApiTokenView {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.prefix,
    username: r.username,
    created_by: r.created_by,
    created_at: r.created_at,
    expires_at: r.expires_at,
    last_used: r.last_used_at,
    last_used_at: r.last_used_at,
    revoked: r.revoked_at !== null,
    revoked_at: r.revoked_at,
  };
}

export class ApiTokensService {
  constructor(private readonly deps: { db: Kysely<Database>; tokens: ApiTokensStore; users: UsersStore; audit: AuditService; clock: Clock }) {}

  static looksLikeToken(bearer: string): boolean {
    return bearer.startsWith(API_TOKEN_PREFIX);
  }

  /** Creates a token; the plaintext is in the answer and nowhere else, ever. */
  async create(actor: Principal, input: CreateTokenInput): Promise<ApiTokenView & { token: string; message: string }> {
    // A leaked token must not be able to mint longer-lived ones.
    if (actor.credential.kind !== 'jwt') throw new AppError('SESSION_REQUIRED');
    const ownerName = input.username ?? actor.username;
    if (ownerName !== actor.username && !allowed(actor.role, 'token:admin')) {
      throw new AppError('FORBIDDEN', 'only admins create tokens for other users');
    }
    const owner = await this.deps.users.findByUsername(ownerName);
    if (!owner?.active) throw new AppError('NOT_FOUND', `no active user ${ownerName}`);
    const role = input.role ?? (roleWithin('uploader', owner.role) ? 'uploader' : owner.role);
    if (!roleWithin(role, owner.role)) throw new AppError('ROLE_NOT_GRANTABLE', `a token of ${owner.username} (${owner.role}) cannot have the role ${role}`);
    const now = this.deps.clock.now();
    const token = `${API_TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const expiresAt = input.expires_days ? new Date(now.getTime() + input.expires_days * 86_400_000).toISOString() : null;
    const row = await this.deps.db.transaction().execute(async (trx) => {
      const created = await this.deps.tokens.create(trx, {
        name: input.name,
        prefix: token.slice(0, SHOWN_PREFIX_LENGTH),
        token_hash: sha256Hex(token),
        user_id: owner.id,
        username: owner.username,
        role,
        created_by: actor.username,
        created_at: now.toISOString(),
        expires_at: expiresAt,
      });
      await this.deps.audit.record(trx, { actor, action: 'TOKEN_CREATE', result: 'SUCCESS', detail: { token_id: created.id, name: input.name, owner: owner.username, role, expires_at: expiresAt } });
      return created;
    });
    return { ...view(row), token, message: 'Store this token now: it is shown only once.' };
  }

  /** Admins see every token; everyone else their own. */
  async list(actor: Actor): Promise<ApiTokenView[]> {
    const rows = await this.deps.tokens.list(allowed(actor.role, 'token:admin') ? undefined : actor.username);
    return rows.map(view);
  }

  async revoke(actor: Actor, id: number): Promise<void> {
    const row = await this.deps.tokens.findById(id);
    // Someone else's token is "not found" for non-admins: its existence is not theirs to learn.
    if (!row || (row.username !== actor.username && !allowed(actor.role, 'token:admin'))) throw new AppError('NOT_FOUND', `no API token ${id}`);
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.tokens.revoke(trx, id, this.deps.clock.now().toISOString());
      await this.deps.audit.record(trx, { actor, action: 'TOKEN_REVOKE', result: 'SUCCESS', detail: { token_id: id, name: row.name, owner: row.username } });
    });
  }

  /** Resolves a presented token: one indexed lookup by hash, then the owner's current state. */
  async authenticate(token: string): Promise<Principal> {
    const row = await this.deps.tokens.findByHash(sha256Hex(token));
    const now = this.deps.clock.now();
    if (!row || row.revoked_at !== null || (row.expires_at !== null && row.expires_at <= now.toISOString())) throw new AppError('AUTH_INVALID');
    const owner = await this.deps.users.findById(row.user_id);
    // A demoted owner's tokens stop rather than keep powers the owner no longer has.
    if (!owner?.active || owner.username !== row.username || !roleWithin(row.role, owner.role)) throw new AppError('AUTH_INVALID');
    if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) >= TOUCH_INTERVAL_MS) {
      await this.deps.tokens.touch(row.id, now.toISOString());
    }
    return { username: owner.username, role: row.role, credential: { kind: 'api_token', tokenId: row.id } };
  }
}
