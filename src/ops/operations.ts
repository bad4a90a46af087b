import { statfs } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { Signer } from '../repo/signer.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import { dialectOf } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import { OperationsStore } from '../store/sql/operations.store.js';
import { RateLimitsStore } from '../store/sql/rate-limits.store.js';
import { HealthService } from './health.service.js';
import { OpsMetrics } from './metrics.js';
import { MemoryRateCounter, type RateCounter, RateLimiter } from './rate-limiter.js';

/** Health, metrics and rate limiting of one Packyard instance (wired by the composition root). */
export interface Operations {
  health: HealthService;
  /** Hand this to the publisher and other services that report measurements. */
  metrics: OpsMetrics;
  rateLimiter: RateLimiter;
  /** Where the rate-limit counters live: shared by all processes (`database`) or this one (`memory`). */
  rateCounterKind: 'database' | 'memory';
}

export interface OperationsDeps {
  config: Config;
  db: Kysely<Database>;
  blobs: BlobStore;
  signer: Signer;
  clock: Clock;
  logger: Logger;
  /** Jobs waiting to run (the job queue depth gauge). */
  jobQueueDepth: () => Promise<number>;
}

const MIN_FREE_BYTES = 1024 ** 3;

export function createOperations(deps: OperationsDeps): Operations {
  const { config, db, clock, logger } = deps;
  const store = new OperationsStore(db);
  const health = new HealthService({
    clock,
    version: config.version,
    pingDatabase: () => store.ping(),
    checkBlobStore: () => deps.blobs.check(),
    signProbe: async () => {
      await deps.signer.detachSign(Buffer.from('packyard health probe\n'), clock.now());
    },
    freeBytes: async () => {
      const s = await statfs(config.dataDir);
      return s.bavail * s.bsize;
    },
    minFreeBytes: MIN_FREE_BYTES,
    timeoutMs: 2000,
    onCheckError: (check, err) => logger.warn({ err, check }, 'health check failed'),
  });
  const metrics = new OpsMetrics({
    packageCounts: () => store.packagesPerDistribution(),
    jobQueueDepth: deps.jobQueueDepth,
  });
  // SQLite means one process: memory is exact there and keeps a write off the single-writer database per request.
  const kind = config.rateLimit.store === 'auto' ? (dialectOf(db) === 'postgres' ? 'database' : 'memory') : config.rateLimit.store;
  const counter: RateCounter = kind === 'database' ? new RateLimitsStore(db) : new MemoryRateCounter();
  let lastLogged = 0;
  const rateLimiter = new RateLimiter(counter, config.rateLimit.windowSeconds * 1000, clock, (err) => {
    // A broken counter table must not flood the log at request rate.
    const now = Date.now();
    if (now - lastLogged > 60_000) {
      lastLogged = now;
      logger.error({ err }, 'rate-limit counters unavailable; requests are let through');
    }
  });
  return { health, metrics, rateLimiter, rateCounterKind: kind };
}
