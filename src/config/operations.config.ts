/**
 * Operations settings (rate limits, proxy trust), parsed from the environment object that config.ts reads;
 * kept apart so the main config module stays short.
 */
type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

/** Requests per window, per tier. */
export interface RateBudget {
  readonly upload: number;
  readonly read: number;
  readonly write: number;
}

export interface RateLimitConfig {
  readonly enabled: boolean;
  /** `database` shares counters across processes (PostgreSQL); `memory` is per process; `auto` picks by dialect. */
  readonly store: 'auto' | 'memory' | 'database';
  readonly windowSeconds: number;
  /** POST /auth/token per source IP. */
  readonly loginPerWindow: number;
  /** Promotion requests per user (Repod: 20/min). */
  readonly promotePerWindow: number;
  /** Per role (and `anonymous`, keyed by IP): Repod's per-minute budgets by default. */
  readonly budgets: Readonly<Record<string, RateBudget>>;
}

const DEFAULT_BUDGETS: Record<string, RateBudget> = {
  admin: { upload: 200, read: 2000, write: 500 },
  maintainer: { upload: 100, read: 1000, write: 200 },
  uploader: { upload: 30, read: 300, write: 30 },
  auditor: { upload: 5, read: 500, write: 5 },
  reader: { upload: 5, read: 200, write: 5 },
  anonymous: { upload: 5, read: 60, write: 5 },
};

/** RATE_LIMIT_<ROLE>="upload/read/write", e.g. RATE_LIMIT_UPLOADER=30/300/30. */
export function rateLimitConfig(env: Env): RateLimitConfig {
  const budgets: Record<string, RateBudget> = {};
  for (const [role, fallback] of Object.entries(DEFAULT_BUDGETS)) {
    const name = `RATE_LIMIT_${role.toUpperCase()}`;
    const raw = env[name];
    if (raw === undefined || raw === '') {
      budgets[role] = fallback;
      continue;
    }
    const parts = raw.split('/').map(Number);
    if (parts.length !== 3 || parts.some((n) => !Number.isInteger(n) || n < 1)) {
      throw new Error(`${name} must be "upload/read/write" positive integers, got "${raw}"`);
    }
    budgets[role] = { upload: parts[0], read: parts[1], write: parts[2] };
  }
  const store = env.RATE_LIMIT_STORE ?? 'auto';
  if (store !== 'auto' && store !== 'memory' && store !== 'database') throw new Error('RATE_LIMIT_STORE must be auto, memory or database');
  const enabled = env.RATE_LIMIT_ENABLED ?? 'true';
  if (!['true', 'false', '1', '0'].includes(enabled)) throw new Error('RATE_LIMIT_ENABLED must be true or false');
  return Object.freeze({
    enabled: enabled === 'true' || enabled === '1',
    store,
    windowSeconds: int(env, 'RATE_LIMIT_WINDOW_SECONDS', 60, 1),
    loginPerWindow: int(env, 'AUTH_RATELIMIT_PER_MINUTE', 10, 1),
    promotePerWindow: int(env, 'RATE_LIMIT_PROMOTE_PER_MINUTE', 20, 1),
    budgets: Object.freeze(budgets),
  });
}

export function trustProxyConfig(raw: string): boolean | string {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (!/^[0-9a-fA-F.:/, ]+$/.test(value)) throw new Error(`TRUST_PROXY must be true, false or a list of addresses/CIDRs, got "${raw}"`);
  return value;
}
