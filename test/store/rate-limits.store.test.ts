import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimitsStore } from '../../src/store/sql/rate-limits.store.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

describe('RateLimitsStore (the dialect under test)', () => {
  let srv: TestServer;
  let store: RateLimitsStore;
  beforeAll(async () => {
    srv = await startTestServer();
    store = new RateLimitsStore(srv.container.db);
  });
  afterAll(async () => srv?.close());

  it('counts hits of one key in one window with one row', async () => {
    expect(await store.hit('k1', 60_000)).toEqual({ hits: 1, windowStart: 60_000 });
    expect(await store.hit('k1', 60_000)).toEqual({ hits: 2, windowStart: 60_000 });
    expect(await store.hit('k2', 60_000)).toEqual({ hits: 1, windowStart: 60_000 });
    expect(await store.hit('k1', 60_000)).toEqual({ hits: 3, windowStart: 60_000 });
  });

  it('restarts the count when a newer window begins', async () => {
    expect(await store.hit('k1', 120_000)).toEqual({ hits: 1, windowStart: 120_000 });
    expect(await store.hit('k1', 120_000)).toEqual({ hits: 2, windowStart: 120_000 });
  });

  it('counts a hit from a node whose clock lags into the newer window instead of resetting it', async () => {
    expect(await store.hit('k1', 60_000)).toEqual({ hits: 3, windowStart: 120_000 });
    expect(await store.hit('k1', 120_000)).toEqual({ hits: 4, windowStart: 120_000 });
  });

  it('counts concurrent hits exactly', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => store.hit('burst', 60_000)));
    expect(results.map((r) => r.hits).sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('sweeps the counters of finished windows', async () => {
    expect(await store.sweep(120_000)).toBe(2);
    const keys = await srv.container.db.selectFrom('rate_limit_counters').select('key').orderBy('key').execute();
    expect(keys.map((k) => k.key)).toEqual(['k1']);
  });
});
