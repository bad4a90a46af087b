import type { Clock } from '../core/clock.js';

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  status: CheckStatus;
  /** A failing critical check makes the instance unhealthy (503); a failing other one only degraded. */
  critical: boolean;
  latency_ms: number;
  detail?: string;
}

export interface HealthReport {
  status: 'healthy' | 'degraded' | 'unhealthy';
  version: string;
  timestamp: string;
  checks: { database: CheckResult; blob_store: CheckResult; signing_key: CheckResult; disk_space: CheckResult };
}

export interface ReadinessReport {
  ready: boolean;
  timestamp: string;
  checks: { database: CheckResult; blob_store: CheckResult };
  failing?: string[];
}

export interface HealthDeps {
  clock: Clock;
  version: string;
  /** One round trip to the database. */
  pingDatabase(): Promise<void>;
  /** Throws when the blob store cannot be used. */
  checkBlobStore(): Promise<void>;
  /** Signs a probe message with the repository key. */
  signProbe(): Promise<void>;
  /** Free bytes for the data directory. */
  freeBytes(): Promise<number>;
  minFreeBytes: number;
  timeoutMs: number;
  /** Full errors go to the log; the public answer carries only a short reason. */
  onCheckError(check: string, err: unknown): void;
}

const SIGN_PROBE_TTL_MS = 5 * 60 * 1000;

/** Health and readiness. Probes are public, so answers never carry paths, hosts or error texts. */
export class HealthService {
  private signCache?: { at: number; result: CheckResult };

  constructor(private readonly deps: HealthDeps) {}

  async health(): Promise<HealthReport> {
    const [database, blob_store, signing_key, disk_space] = await Promise.all([
      this.run('database', true, () => this.deps.pingDatabase()),
      this.run('blob_store', true, () => this.deps.checkBlobStore()),
      this.signingKey(),
      this.diskSpace(),
    ]);
    const checks = { database, blob_store, signing_key, disk_space };
    const results = Object.values(checks);
    const status = results.some((c) => c.critical && c.status === 'fail')
      ? 'unhealthy'
      : results.some((c) => c.status !== 'ok')
        ? 'degraded'
        : 'healthy';
    return { status, version: this.deps.version, timestamp: this.now(), checks };
  }

  /** Ready to take traffic: the database and the blob store answer. */
  async readiness(): Promise<ReadinessReport> {
    const [database, blob_store] = await Promise.all([
      this.run('database', true, () => this.deps.pingDatabase()),
      this.run('blob_store', true, () => this.deps.checkBlobStore()),
    ]);
    const checks = { database, blob_store };
    const failing = Object.entries(checks)
      .filter(([, c]) => c.status === 'fail')
      .map(([name]) => name);
    return { ready: failing.length === 0, timestamp: this.now(), checks, ...(failing.length ? { failing } : {}) };
  }

  /** A signature costs real CPU with RSA keys, so a good result is reused for a few minutes. */
  private async signingKey(): Promise<CheckResult> {
    const now = this.deps.clock.now().getTime();
    if (this.signCache && this.signCache.result.status === 'ok' && now - this.signCache.at < SIGN_PROBE_TTL_MS) return this.signCache.result;
    const result = await this.run('signing_key', false, () => this.deps.signProbe());
    this.signCache = { at: now, result };
    return result;
  }

  private async diskSpace(): Promise<CheckResult> {
    let free = 0;
    const result = await this.run('disk_space', false, async () => {
      free = await this.deps.freeBytes();
    });
    if (result.status === 'ok' && free < this.deps.minFreeBytes) {
      return { ...result, status: 'warn', detail: `less than ${Math.round(this.deps.minFreeBytes / 2 ** 20)} MiB free` };
    }
    return result;
  }

  private async run(name: string, critical: boolean, probe: () => Promise<void>): Promise<CheckResult> {
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        probe(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${this.deps.timeoutMs} ms`)), this.deps.timeoutMs);
        }),
      ]);
      return { status: 'ok', critical, latency_ms: elapsed(started) };
    } catch (err) {
      this.deps.onCheckError(name, err);
      const code = (err as { code?: unknown }).code;
      const reason = /timed out/.test(String((err as Error).message)) ? 'timed out' : typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : 'unavailable';
      return { status: 'fail', critical, latency_ms: elapsed(started), detail: reason };
    } finally {
      clearTimeout(timer);
    }
  }

  private now(): string {
    return this.deps.clock.now().toISOString();
  }
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
