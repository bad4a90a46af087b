import type { Clock } from '../core/clock.js';

/** Where fixed-window counts live: process memory (one process) or the database (shared by all processes). */
export interface RateCounter {
  /** Counts one request under `key` in the window starting at `windowStart`; returns the window's count. */
  hit(key: string, windowStart: number): Promise<{ hits: number; windowStart: number }>;
  /** Forgets windows that started before `before`. */
  sweep(before: number): Promise<unknown>;
}

export class MemoryRateCounter implements RateCounter {
  private readonly windows = new Map<string, { windowStart: number; hits: number }>();

  async hit(key: string, windowStart: number): Promise<{ hits: number; windowStart: number }> {
    const entry = this.windows.get(key);
    if (!entry || windowStart > entry.windowStart) {
      const fresh = { windowStart, hits: 1 };
      this.windows.set(key, fresh);
      return { ...fresh };
    }
    entry.hits += 1;
    return { ...entry };
  }

  async sweep(before: number): Promise<number> {
    let n = 0;
    for (const [key, entry] of this.windows) {
      if (entry.windowStart < before) {
        this.windows.delete(key);
        n++;
      }
    }
    return n;
  }
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** End of the current window, epoch seconds (X-RateLimit-Reset, as Repod's slowapi sends it). */
  resetAt: number;
  /** Whole seconds until the window ends (Retry-After), at least 1. */
  retryAfter: number;
}

/**
 * Fixed-window limiter: at most `limit` requests per key per window. A failing counter store lets requests
 * through (and reports the error): the limiter protects the service, it must not take it down.
 */
export class RateLimiter {
  private sweptWindow = 0;

  constructor(
    private readonly counter: RateCounter,
    private readonly windowMs: number,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
  ) {}

  async consume(key: string, limit: number): Promise<RateDecision> {
    const now = this.clock.now().getTime();
    const windowStart = Math.floor(now / this.windowMs) * this.windowMs;
    this.maybeSweep(windowStart);
    let hits: number;
    let effectiveStart = windowStart;
    try {
      const res = await this.counter.hit(key, windowStart);
      hits = res.hits;
      effectiveStart = res.windowStart;
    } catch (err) {
      this.onError(err);
      hits = 0;
    }
    const resetMs = effectiveStart + this.windowMs;
    return {
      allowed: hits <= limit,
      limit,
      remaining: Math.max(0, limit - hits),
      resetAt: Math.ceil(resetMs / 1000),
      retryAfter: Math.max(1, Math.ceil((resetMs - now) / 1000)),
    };
  }

  /** Once per window and process, in the background: counters of finished windows are garbage. */
  private maybeSweep(windowStart: number): void {
    if (windowStart <= this.sweptWindow) return;
    this.sweptWindow = windowStart;
    this.counter.sweep(windowStart).catch(this.onError);
  }
}
