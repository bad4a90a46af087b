import { describe, expect, it } from 'vitest';
import { MemoryRateCounter, type RateCounter, RateLimiter } from '../../src/ops/rate-limiter.js';

function clockAt(ms: number) {
  const clock = { ms, now: () => new Date(clock.ms) };
  return clock;
}

describe('RateLimiter', () => {
  it('allows `limit` requests per window and reports remaining, reset and retry-after', async () => {
    const clock = clockAt(1_700_000_080_000); // 40 s into the window [1_700_000_040, 1_700_000_100)
    const limiter = new RateLimiter(new MemoryRateCounter(), 60_000, clock, () => {});
    const first = await limiter.consume('k', 2);
    expect(first).toEqual({ allowed: true, limit: 2, remaining: 1, resetAt: 1_700_000_100, retryAfter: 20 });
    expect((await limiter.consume('k', 2)).remaining).toBe(0);
    clock.ms += 5_500;
    expect(await limiter.consume('k', 2)).toEqual({ allowed: false, limit: 2, remaining: 0, resetAt: 1_700_000_100, retryAfter: 15 });
    expect((await limiter.consume('other', 2)).allowed).toBe(true);
    clock.ms += 15_000;
    expect(await limiter.consume('k', 2)).toMatchObject({ allowed: true, remaining: 1, resetAt: 1_700_000_160 });
  });

  it('lets requests through and reports the error when the counter store fails', async () => {
    const errors: unknown[] = [];
    const broken: RateCounter = {
      hit: async () => {
        throw new Error('database down');
      },
      sweep: async () => 0,
    };
    const limiter = new RateLimiter(broken, 60_000, clockAt(0), (err) => errors.push(err));
    for (let i = 0; i < 3; i++) expect((await limiter.consume('k', 1)).allowed).toBe(true);
    expect(errors).toHaveLength(3);
  });

  it('forgets finished windows of the memory counter', async () => {
    const counter = new MemoryRateCounter();
    await counter.hit('a', 0);
    await counter.hit('b', 60_000);
    expect(await counter.sweep(60_000)).toBe(1);
    expect(await counter.hit('a', 60_000)).toEqual({ hits: 1, windowStart: 60_000 });
    expect(await counter.hit('b', 60_000)).toEqual({ hits: 2, windowStart: 60_000 });
  });
});
