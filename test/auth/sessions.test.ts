import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN, startTestServer, type TestServer } from '../helpers/app.js';
import { auditRows, bearer, createUser, login, PASSWORD, RELAXED_LIMITS } from '../helpers/accounts.js';

describe('login sessions: token, me, refresh, logout, change-password, roles', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer(RELAXED_LIMITS);
    await createUser(srv, 'alice', 'uploader');
  });
  afterAll(async () => srv?.close());

  it('logs in with Repod’s body and answers a bearer JWT; wrong passwords get 401 and a FAILURE audit row', async () => {
    const ok = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'alice', password: PASSWORD } });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ token_type: 'bearer', expires_in: 3600 });
    expect(ok.json().access_token.split('.')).toHaveLength(3);
    const bad = await srv.app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { username: 'alice', password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(bad.json().code).toBe('BAD_CREDENTIALS');
    const unknown = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'nobody', password: 'nope' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().message).toBe(bad.json().message);

    const rows = await auditRows(srv, 'LOGIN');
    const success = rows.find((r) => r.username === 'alice' && r.result === 'SUCCESS');
    expect(success).toMatchObject({ role: 'uploader', source_ip: '127.0.0.1' });
    const failures = rows.filter((r) => r.result === 'FAILURE').map((r) => [r.username, JSON.parse(r.detail).reason]);
    expect(failures).toEqual([
      ['alice', 'bad_credentials'],
      ['nobody', 'bad_credentials'],
    ]);
  });

  it('GET /auth/me answers the user in Repod’s shape, never the hash', async () => {
    const token = await login(srv, 'alice');
    const res = await srv.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ username: 'alice', role: 'uploader', active: true, mfa_enabled: false, full_name: '', email: '', auth: 'jwt' });
    expect(res.json().last_login).toMatch(/^\d{4}-/);
    expect(res.body).not.toContain('argon2');
    expect((await srv.app.inject({ url: '/auth/me' })).statusCode).toBe(401);
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer('not.a.jwt') })).statusCode).toBe(401);
  });

  it('refresh issues a new working token and is audited', async () => {
    const token = await login(srv, 'alice');
    const res = await srv.app.inject({ method: 'POST', url: '/auth/refresh', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    const fresh = res.json().access_token as string;
    expect(fresh).not.toBe(token);
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(fresh) })).statusCode).toBe(200);
    expect((await auditRows(srv, 'TOKEN_REFRESH')).at(-1)).toMatchObject({ username: 'alice', result: 'SUCCESS' });
  });

  it('logout revokes the jti: the same JWT then gets 401, other sessions keep working', async () => {
    const token = await login(srv, 'alice');
    const other = await login(srv, 'alice');
    const out = await srv.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: bearer(token) });
    expect(out.statusCode).toBe(200);
    expect(out.json()).toEqual({ status: 'logged_out' });
    const after = await srv.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect(after.json().code).toBe('AUTH_INVALID');
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(other) })).statusCode).toBe(200);
    expect((await auditRows(srv, 'LOGOUT')).at(-1)).toMatchObject({ username: 'alice', result: 'SUCCESS' });
  });

  it('change-password enforces the policy, checks the current password, and audits', async () => {
    await createUser(srv, 'bob', 'reader');
    const token = await login(srv, 'bob');
    const change = (current_password: string, new_password: string) =>
      srv.app.inject({ method: 'POST', url: '/auth/change-password', headers: bearer(token), payload: { current_password, new_password } });

    const wrong = await change('Wrong123!', 'Another456!');
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().code).toBe('CURRENT_PASSWORD_INCORRECT');
    for (const weak of ['Short1!', 'alllowercase1!', 'NoDigitsOrSymbols', `A1${'x'.repeat(127)}`]) {
      const res = await change(PASSWORD, weak);
      expect(res.statusCode, weak).toBe(422);
      expect(res.json().code).toBe('PASSWORD_POLICY');
      expect(res.json().violations.length).toBeGreaterThan(0);
    }
    const ok = await change(PASSWORD, 'Another456!');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({ status: 'ok' });
    await expect(login(srv, 'bob')).rejects.toThrow(/401/);
    expect(await login(srv, 'bob', 'Another456!')).toBeTruthy();
    const rows = (await auditRows(srv, 'PASSWORD_CHANGE')).filter((r) => r.username === 'bob').map((r) => r.result);
    expect(rows).toEqual(['FAILURE', 'SUCCESS']);
  });

  it('GET /auth/roles is public and lists the five roles with Repod’s fields', async () => {
    const res = await srv.app.inject({ url: '/auth/roles' });
    expect(res.statusCode).toBe(200);
    const roles = res.json().roles;
    expect(Object.keys(roles).sort()).toEqual(['admin', 'auditor', 'maintainer', 'reader', 'uploader']);
    expect(roles.auditor).toMatchObject({ label: expect.any(String), description: expect.any(String), color: expect.stringMatching(/^#/) });
    expect(roles.auditor.permissions).toContain('audit:read');
    expect(roles.reader.permissions).not.toContain('audit:read');
  });

  it('accepts the form-encoded login body Repod’s CLI sends', async () => {
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ username: 'alice', password: PASSWORD }).toString(),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().token_type).toBe('bearer');
  });

  it('the admin from the environment logs in', async () => {
    expect(await login(srv, ADMIN.username, ADMIN.password)).toBeTruthy();
  });
});
