import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The only place that reads the environment. Validated once at start, then frozen and handed down.
 */
export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://... selects PostgreSQL; empty means the embedded SQLite file under dataDir. */
  readonly databaseUrl: string;
  readonly adminUsername: string;
  /** Empty when unset: a password is generated and printed once on first start. */
  readonly adminPassword: string;
  readonly jwtSecret: string;
  readonly jwtExpireMinutes: number;
  readonly maxUploadBytes: number;
  /** Signing key algorithm for a key generated on first start. */
  readonly signingKeyAlgorithm: 'ed25519' | 'rsa4096';
  /** Optional armored private key to import instead of generating one; its passphrase. */
  readonly signingKeyFile: string;
  readonly signingKeyPassphrase: string;
  /** Seconds for which superseded index files stay fetchable by hash. */
  readonly publicationGraceSeconds: number;
  /** Optional Valid-Until in Release files, in days; 0 = omitted. */
  readonly releaseValidDays: number;
  readonly logLevel: string;
  readonly publicUrl: string;
  /** The package version, reported by /health and the OpenAPI document. */
  readonly version: string;
  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`; when empty it is open (like Repod). */
  readonly metricsToken: string;
  readonly rateLimit: RateLimitConfig;
  /**
   * Which peers may set X-Forwarded-For (Fastify's trustProxy): false, true (any), or addresses/CIDRs.
   * Behind a reverse proxy, per-IP rate limits and audit source IPs need it; without it every client is the proxy.
   */
  readonly trustProxy: boolean | string;
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
function rateLimitConfig(env: Env): RateLimitConfig {
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

function trustProxyConfig(raw: string): boolean | string {
  const value = raw.trim();
  if (value === '' || value === 'false') return false;
  if (value === 'true') return true;
  if (!/^[0-9a-fA-F.:/, ]+$/.test(value)) throw new Error(`TRUST_PROXY must be true, false or a list of addresses/CIDRs, got "${raw}"`);
  return value;
}

function packageVersion(): string {
  // src/config and dist/config are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${raw}"`);
  return n;
}

function jwtSecretFor(dataDir: string, env: Env): string {
  if (env.JWT_SECRET_KEY) {
    if (env.JWT_SECRET_KEY.length < 32) throw new Error('JWT_SECRET_KEY must be at least 32 characters');
    return env.JWT_SECRET_KEY;
  }
  // Persisted so tokens survive restarts; generated once per data directory.
  const file = path.join(dataDir, 'secrets', 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Config {
  const dataDir = path.resolve(overrides.dataDir ?? env.DATA_DIR ?? './data');
  mkdirSync(dataDir, { recursive: true });
  const algorithm = env.SIGNING_KEY_ALGORITHM ?? 'ed25519';
  if (algorithm !== 'ed25519' && algorithm !== 'rsa4096') {
    throw new Error('SIGNING_KEY_ALGORITHM must be ed25519 or rsa4096');
  }
  const port = int(env, 'PORT', 8000);
  const config: Config = {
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir,
    databaseUrl: env.DATABASE_URL ?? '',
    adminUsername: env.ADMIN_USERNAME ?? 'admin',
    adminPassword: env.ADMIN_PASSWORD ?? '',
    jwtSecret: overrides.jwtSecret ?? jwtSecretFor(dataDir, env),
    jwtExpireMinutes: int(env, 'JWT_EXPIRE_MINUTES', 60, 1),
    maxUploadBytes: int(env, 'MAX_UPLOAD_MB', 512, 1) * 1024 * 1024,
    signingKeyAlgorithm: algorithm,
    signingKeyFile: env.SIGNING_KEY_FILE ?? '',
    signingKeyPassphrase: env.SIGNING_KEY_PASSPHRASE ?? '',
    publicationGraceSeconds: int(env, 'PUBLICATION_GRACE_SECONDS', 3600),
    releaseValidDays: int(env, 'RELEASE_VALID_DAYS', 0),
    logLevel: env.LOG_LEVEL ?? 'info',
    publicUrl: env.PUBLIC_URL ?? '',
    version: packageVersion(),
    metricsToken: env.METRICS_TOKEN ?? '',
    rateLimit: rateLimitConfig(env),
    trustProxy: trustProxyConfig(env.TRUST_PROXY ?? ''),
    ...overrides,
  };
  if (config.databaseUrl && !/^postgres(ql)?:\/\//.test(config.databaseUrl)) {
    throw new Error('DATABASE_URL must be a postgres:// URL (leave it unset for the embedded SQLite)');
  }
  return Object.freeze(config);
}
