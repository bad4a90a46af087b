import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { auditRows, createUser, PASSWORD, RELAXED_LIMITS } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';

describe('login lockout', () => {
  let srv: TestServer;
  const clock = new ManualClock();
  beforeAll(async () => {
    srv = await startTestServer({ ...RELAXED_LIMITS, LOGIN_MAX_ATTEMPTS: '5', LOGIN_LOCKOUT_MINUTES: '15' }, { clock });
    await createUser(srv, 'ivan', 'reader');
  });
  afterAll(async () => srv?.close());

  const attempt = (username: string, password: string) => srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username, password } });

  it('locks after 5 consecutive failures for 15 minutes (429 with Retry-After), then lets the right password in', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await attempt('ivan', 'Wrong-pass1')).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const locked = await attempt('ivan', PASSWORD);
    expect(locked.statusCode).toBe(429);
    expect(locked.json().code).toBe('ACCOUNT_LOCKED');
    expect(Number(locked.headers['retry-after'])).toBe(15 * 60);

    clock.advance(14 * 60_000);
    expect((await attempt('ivan', PASSWORD)).statusCode).toBe(429);
    clock.advance(61_000);
    const ok = await attempt('ivan', PASSWORD);
    expect(ok.statusCode).toBe(200);

    const reasons = (await auditRows(srv, 'LOGIN')).filter((r) => r.username === 'ivan').map((r) => `${r.result}:${JSON.parse(r.detail).reason ?? ''}`);
    expect(reasons.slice(-8)).toEqual([
      ...Array(5).fill('FAILURE:bad_credentials'),
      'FAILURE:account_locked',
      'FAILURE:account_locked',
      'SUCCESS:',
    ]);
  });

  it('tells the caller how many attempts remain, and a success resets the count', async () => {
    await attempt('ivan', 'Wrong-pass1');
    await attempt('ivan', 'Wrong-pass1');
    const third = await attempt('ivan', 'Wrong-pass1');
    expect(third.json().message).toMatch(/2 attempt\(s\) left/);
    expect((await attempt('ivan', PASSWORD)).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await attempt('ivan', 'Wrong-pass1')).statusCode).toBe(401);
    expect((await attempt('ivan', PASSWORD)).statusCode).toBe(200);
  });

  it('unknown users are answered exactly like known ones, lockout included', async () => {
    const known: string[] = [];
    const unknown: string[] = [];
    for (let i = 0; i < 6; i++) {
      const k = await attempt('ivan', 'Wrong-pass1');
      const u = await attempt('ghost', 'Wrong-pass1');
      known.push(`${k.statusCode} ${k.json().message}`);
      unknown.push(`${u.statusCode} ${u.json().message}`);
    }
    expect(unknown).toEqual(known);
    expect(unknown.at(-1)).toMatch(/^429/);
  });

  it('keeps the lock in the database: another service instance over the same database sees it', async () => {
    const c = srv.container;
    const other = new AuthService({
      db: c.db,
      users: c.stores.users,
      loginFailures: c.stores.loginFailures,
      revokedTokens: c.stores.revokedTokens,
      apiTokens: c.apiTokens,
      audit: c.audit,
      clock,
      jwtSecret: c.config.jwtSecret,
      jwtExpireMinutes: 60,
      loginMaxAttempts: 5,
      loginLockoutMinutes: 15,
    });
    await expect(other.login('ivan', PASSWORD)).rejects.toMatchObject({ code: 'ACCOUNT_LOCKED' });
    const row = await c.db.selectFrom('login_failures').selectAll().where('username', '=', 'ivan').executeTakeFirstOrThrow();
    expect(Date.parse(row.locked_until!)).toBeGreaterThan(clock.now().getTime());
  });

  it('an admin password reset lifts the lock', async () => {
    const token = (await srv.container.auth.issue((await srv.container.stores.users.findByUsername('admin'))!)).access_token;
    const res = await srv.app.inject({ method: 'POST', url: '/auth/users/ivan/reset-password', headers: { authorization: `Bearer ${token}` }, payload: { new_password: 'Fresh-pass9' } });
    expect(res.statusCode).toBe(200);
    expect((await attempt('ivan', 'Fresh-pass9')).statusCode).toBe(200);
  });
});
