import { randomInt } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Database } from '../store/db/schema.js';
import type { ApiKeysStore } from '../store/sql/api-keys.store.js';
import type { UsersStore } from '../store/sql/users.store.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** "ak_" + 32 characters drawn uniformly with a CSPRNG (Repomanager's shape, without its str_shuffle). */
function newKey(): string {
  let out = 'ak_';
  for (let i = 0; i < 32; i++) out += ALPHABET[randomInt(ALPHABET.length)];
  return out;
}

export function isApiKey(credential: string): boolean {
  return credential.startsWith('ak_');
}

/**
 * One API key per user for the Repomanager API: shown once, kept as SHA-256 (a random 190-bit key needs no
 * slow hash), found by that hash in one indexed lookup.
 */
export class ApiKeyService {
  constructor(private readonly deps: { db: Kysely<Database>; apiKeys: ApiKeysStore; users: UsersStore; audit: AuditService; clock: Clock }) {}

  async generate(actor: Actor): Promise<string> {
    const user = await this.deps.users.findByUsername(actor.username);
    if (!user?.active) throw new AppError('AUTH_INVALID');
    const key = newKey();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.apiKeys.replace(trx, user.id, sha256Hex(key), this.deps.clock.now().toISOString());
      await this.deps.audit.record(trx, { actor, action: 'API_KEY_CREATE', result: 'SUCCESS', detail: { user: user.username } });
    });
    return key;
  }

  /** The key's owner as an actor acting with the owner's current role. */
  async authenticate(key: string): Promise<Actor> {
    const owner = isApiKey(key) ? await this.deps.apiKeys.findOwner(sha256Hex(key)) : undefined;
    if (!owner?.active) throw new AppError('AUTH_INVALID', 'Authentication error: invalid API key');
    return { username: owner.username, role: owner.role };
  }
}
