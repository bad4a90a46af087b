import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requirePermission } from '../../../src/http/plugins/auth.js';
import { multipart, startTestServer, type TestServer } from '../../helpers/app.js';
import { addInstance, createUser, type Instance, ManualClock } from './instances.js';

const pg = Boolean(process.env.TEST_DATABASE_URL);

describe('rate limits', () => {
  let srv: TestServer;
  let a: Instance;
  let b: Instance;
  const clock = new ManualClock();

  beforeAll(async () => {
    srv = await startTestServer({
      // On PostgreSQL the default (auto) must already share counters; on SQLite the database store is forced
      // so that the sharing test runs there too.
      RATE_LIMIT_ENABLED: 'true',
      RATE_LIMIT_STORE: pg ? 'auto' : 'database',
      AUTH_RATELIMIT_PER_MINUTE: '10',
      RATE_LIMIT_UPLOADER: '2/50/50',
      RATE_LIMIT_READER: '5/3/2',
      RATE_LIMIT_ANONYMOUS: '1/2/1',
      // these tests fail logins on purpose; the account lockout is tested elsewhere
      LOGIN_MAX_ATTEMPTS: '1000',
    });
    const probes = (app: Instance['app'], c: Instance['container']) => {
      const ok = { response: { 200: Type.Object({ ok: Type.Boolean() }) } };
      app.get('/api/v1/probe', { schema: ok, preHandler: requirePermission(c.auth, 'package:read') }, async () => ({ ok: true }));
      app.post('/api/v1/probe', { schema: ok, preHandler: requirePermission(c.auth, 'package:read') }, async () => ({ ok: true }));
      app.get('/public-probe', { schema: ok }, async () => ({ ok: true }));
    };
    a = await addInstance(srv, clock, probes);
    b = await addInstance(srv, clock, probes);
    await createUser(a.container, 'ci', 'uploader');
    await createUser(a.container, 'viewer', 'reader');
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await srv?.close();
  });

  const login = (inst: Instance, ip: string, password = 'wrong-password') =>
    inst.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password }, remoteAddress: ip });

  it('uses the database counters when several processes may run over PostgreSQL', () => {
    expect(a.container.ops.rateCounterKind).toBe('database');
  });

  it('allows 10 logins per minute per IP, counted across two instances, then answers 429 with Retry-After', async () => {
    const ip = '203.0.113.10';
    for (let i = 0; i < 10; i++) {
      const res = await login(i % 2 ? b : a, ip);
      expect(res.statusCode).toBe(401);
      expect(res.headers['x-ratelimit-limit']).toBe('10');
      expect(res.headers['x-ratelimit-remaining']).toBe(String(9 - i));
    }
    const windowEnd = Math.floor(clock.now().getTime() / 60_000) * 60_000 + 60_000;
    for (const inst of [a, b]) {
      const res = await login(inst, ip, 'Admin1234!');
      expect(res.statusCode).toBe(429);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject({ code: 'RATE_LIMITED', error: 'rate_limit_exceeded', limit: 10 });
      expect(res.headers['retry-after']).toBe(String(Math.ceil((windowEnd - clock.now().getTime()) / 1000)));
      expect(res.headers['x-ratelimit-remaining']).toBe('0');
      expect(res.headers['x-ratelimit-reset']).toBe(String(windowEnd / 1000));
    }
    // another address has its own budget; the limited one gets a new budget in the next window
    expect((await login(a, '203.0.113.11', 'Admin1234!')).statusCode).toBe(200);
    clock.advance(60_000);
    expect((await login(b, ip, 'Admin1234!')).statusCode).toBe(200);
  });

  it('limits uploads per user by role, across instances, before reading the file', async () => {
    const token = await a.login('ci', 'Passw0rd!x');
    const admin = await a.login();
    const upload = (inst: Instance, bearer: string) => {
      const body = multipart({ distribution: 'jammy' }, { filename: 'junk.deb', content: Buffer.from('not a package') });
      return inst.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${bearer}` } });
    };
    const first = await upload(a, token);
    expect(first.statusCode).toBe(422);
    expect(first.headers['x-ratelimit-limit']).toBe('2');
    expect(first.headers['x-ratelimit-remaining']).toBe('1');
    expect((await upload(b, token)).statusCode).toBe(422);
    const limited = await upload(a, token);
    expect(limited.statusCode).toBe(429);
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // the admin's budget is another one
    const adminRes = await upload(b, admin);
    expect(adminRes.statusCode).toBe(422);
    expect(adminRes.headers['x-ratelimit-limit']).toBe('200');
  });

  it('keeps separate read and write budgets per role', async () => {
    const token = await b.login('viewer', 'Passw0rd!x');
    const get = () => a.app.inject({ url: '/api/v1/probe', headers: { authorization: `Bearer ${token}` } });
    const post = () => b.app.inject({ method: 'POST', url: '/api/v1/probe', headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 3; i++) expect((await get()).statusCode).toBe(200);
    expect((await get()).statusCode).toBe(429);
    expect((await post()).statusCode).toBe(200);
    expect((await post()).statusCode).toBe(200);
    const res = await post();
    expect(res.statusCode).toBe(429);
    expect(res.headers['x-ratelimit-limit']).toBe('2');
  });

  it('does not turn missing credentials into 429: refused requests never reach the budget', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await a.app.inject({ url: '/api/v1/probe', remoteAddress: '192.0.2.50' });
      expect(res.statusCode).toBe(401);
    }
  });

  it('limits anonymous requests to public routes per IP', async () => {
    const get = (ip: string) => a.app.inject({ url: '/public-probe', remoteAddress: ip });
    expect((await get('192.0.2.1')).statusCode).toBe(200);
    expect((await get('192.0.2.1')).statusCode).toBe(200);
    const limited = await get('192.0.2.1');
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['x-ratelimit-limit']).toBe('2');
    expect((await get('192.0.2.2')).statusCode).toBe(200);
    // a credential the route did not turn into an actor is not charged to the anonymous budget of the IP
    const withCredential = await a.app.inject({ url: '/public-probe', remoteAddress: '192.0.2.1', headers: { authorization: 'Bearer x' } });
    expect(withCredential.statusCode).toBe(200);
    expect(withCredential.headers['x-ratelimit-limit']).toBeUndefined();
  });

  it('never limits the serving plane or the probes', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await a.app.inject({ url: '/repos/dists/jammy/InRelease', remoteAddress: '192.0.2.1' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    for (let i = 0; i < 5; i++) expect((await a.app.inject({ url: '/health/live', remoteAddress: '192.0.2.1' })).statusCode).toBe(200);
  });

  it('keeps the counters in the database, one row per key that restarts with each window', async () => {
    const rows = await a.container.db.selectFrom('rate_limit_counters').select(['key', 'hits']).where('key', '=', 'login:ip:203.0.113.10').execute();
    // 12 attempts in the first window, then one in the next: the row was reset, not duplicated
    expect(rows.map((r) => Number(r.hits))).toEqual([1]);
  });
});

describe('rate limits switched off', () => {
  it('lets every login through and sends no rate-limit headers', async () => {
    const srv = await startTestServer({ RATE_LIMIT_ENABLED: 'false', LOGIN_MAX_ATTEMPTS: '1000' });
    try {
      for (let i = 0; i < 12; i++) {
        const res = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password: 'nope' } });
        expect(res.statusCode).toBe(401);
        expect(res.headers['x-ratelimit-limit']).toBeUndefined();
      }
    } finally {
      await srv.close();
    }
  });
});

describe('per-IP limits behind a reverse proxy', () => {
  const attempt = (inst: Instance, forwardedFor: string) =>
    inst.app.inject({
      method: 'POST',
      url: '/auth/token',
      payload: { username: 'admin', password: 'wrong-password' },
      remoteAddress: '127.0.0.1',
      headers: { 'x-forwarded-for': forwardedFor },
    });

  it('keys on X-Forwarded-For only when TRUST_PROXY names the proxy, so clients cannot spoof their way out', async () => {
    for (const trusted of [true, false]) {
      const srv = await startTestServer({ RATE_LIMIT_ENABLED: 'true', LOGIN_MAX_ATTEMPTS: '1000', AUTH_RATELIMIT_PER_MINUTE: '2', ...(trusted ? { TRUST_PROXY: '127.0.0.1' } : {}) });
      const inst = await addInstance(srv, new ManualClock());
      try {
        expect((await attempt(inst, '198.51.100.7')).statusCode).toBe(401);
        expect((await attempt(inst, '198.51.100.7')).statusCode).toBe(401);
        expect((await attempt(inst, '198.51.100.7')).statusCode).toBe(429);
        // another client behind the proxy (trusted), or the same client lying about its address (untrusted)
        expect((await attempt(inst, '198.51.100.8')).statusCode).toBe(trusted ? 401 : 429);
      } finally {
        await inst.close();
        await srv.close();
      }
    }
  });
});
