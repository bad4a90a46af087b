import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type RateLimitConfig, rateLimitConfig, trustProxyConfig } from './operations.config.js';

export type { RateBudget, RateLimitConfig } from './operations.config.js';

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
  /** Consecutive failed logins that lock an account, and for how long. */
  readonly loginMaxAttempts: number;
  readonly loginLockoutMinutes: number;
  /** Snapshots kept per repository besides those an environment points at (older ones are deleted). */
  readonly snapshotRetention: number;
  /** Seconds an unreferenced blob must have existed before garbage collection deletes it. */
  readonly gcGraceSeconds: number;
  /** Seconds between automatic retention + garbage collection jobs; 0 = only on request. */
  readonly gcIntervalSeconds: number;
  /** clamd address for upload scans: a unix socket path or host:port; empty = no antivirus scan. */
  readonly clamavSocket: string;
  /** When true an unreachable clamd fails uploads (503) instead of adding a warning. */
  readonly clamavRequired: boolean;
  readonly clamavTimeoutMs: number;
  /** OpenPGP signatures of uploads: required (unsigned or bad → rejected), optional (bad → rejected), off. */
  readonly signaturePolicy: 'required' | 'optional' | 'off';
  /** Directory of trusted public keys (*.asc, *.gpg, *.pgp) for upload signatures; empty = none. */
  readonly trustedKeysDir: string;
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

function packageVersion(): string {
  // src/config and dist/config are both two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: string };
  return pkg.version ?? '0.0.0';
}

type Env = Record<string, string | undefined>;

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = (env[name] ?? '').trim().toLowerCase();
  if (raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new Error(`${name} must be true or false, got "${env[name]}"`);
}

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
  // Without trusted keys nothing can be verified, so the default is then off.
  const signaturePolicy = env.SIGNATURE_POLICY || (env.TRUSTED_KEYS_DIR ? 'optional' : 'off');
  if (signaturePolicy !== 'required' && signaturePolicy !== 'optional' && signaturePolicy !== 'off') {
    throw new Error('SIGNATURE_POLICY must be required, optional or off');
  }
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
    loginMaxAttempts: int(env, 'LOGIN_MAX_ATTEMPTS', 5, 1),
    loginLockoutMinutes: int(env, 'LOGIN_LOCKOUT_MINUTES', 15, 1),
    snapshotRetention: int(env, 'SNAPSHOT_RETENTION', 3, 1),
    gcGraceSeconds: int(env, 'GC_GRACE_SECONDS', 86400),
    gcIntervalSeconds: int(env, 'GC_INTERVAL_SECONDS', 3600),
    clamavSocket: env.CLAMAV_SOCKET ?? '',
    clamavRequired: bool(env, 'CLAMAV_REQUIRED', false),
    clamavTimeoutMs: int(env, 'CLAMAV_TIMEOUT_SECONDS', 60, 1) * 1000,
    signaturePolicy,
    trustedKeysDir: env.TRUSTED_KEYS_DIR ? path.resolve(env.TRUSTED_KEYS_DIR) : '',
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
