import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { auditRows, bearer, createUser, login, RELAXED_LIMITS } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';

describe('API tokens', () => {
  let srv: TestServer;
  const clock = new ManualClock();
  let admin: Record<string, string>;
  let uploader: Record<string, string>;
  beforeAll(async () => {
    srv = await startTestServer(RELAXED_LIMITS, { clock });
    admin = bearer(await srv.token());
    await createUser(srv, 'ci-owner', 'uploader');
    uploader = bearer(await login(srv, 'ci-owner'));
  });
  afterAll(async () => srv?.close());

  const create = (headers: Record<string, string>, payload: object) => srv.app.inject({ method: 'POST', url: '/auth/api-tokens', headers, payload });

  it('admin creates a token as Repod documents it: shown once, prefixed, stored as SHA-256 only', async () => {
    const res = await create(admin, { name: 'jenkins', role: 'uploader', expires_days: 30 });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.token).toMatch(/^pky_[A-Za-z0-9_-]{43}$/);
    expect(body).toMatchObject({ name: 'jenkins', role: 'uploader', username: 'admin', created_by: 'admin', revoked: false, last_used_at: null });
    expect(body.token.startsWith(body.prefix)).toBe(true);
    expect(body.message).toMatch(/only once/);
    expect(Date.parse(body.expires_at) - clock.now().getTime()).toBe(30 * 86_400_000);

    const stored = await srv.container.db.selectFrom('api_tokens').selectAll().where('id', '=', body.id).executeTakeFirstOrThrow();
    expect(stored.token_hash).toBe(createHash('sha256').update(body.token).digest('hex'));
    expect(JSON.stringify(stored)).not.toContain(body.token);
    const list = await srv.app.inject({ url: '/auth/api-tokens', headers: admin });
    expect(list.body).not.toContain(body.token);
    expect((await auditRows(srv, 'TOKEN_CREATE')).at(-1)).toMatchObject({ username: 'admin', result: 'SUCCESS' });
  });

  it('is accepted as Authorization: Bearer exactly like a JWT, with the token’s role, and records last_used_at', async () => {
    const { token, id } = (await create(admin, { name: 'reader-bot', role: 'reader' })).json();
    const me = await srv.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toMatchObject({ username: 'admin', role: 'reader', auth: 'api_token' });
    // The token acts with its own (lower) role, not its owner's.
    expect((await srv.app.inject({ url: '/auth/users', headers: bearer(token) })).statusCode).toBe(403);
    const listed = (await srv.app.inject({ url: '/auth/api-tokens', headers: admin })).json().tokens.find((t: { id: number }) => t.id === id);
    expect(listed.last_used_at).toBe(clock.now().toISOString());
    expect(listed.last_used).toBe(listed.last_used_at);
  });

  it('any user creates their own token with a role no higher than theirs', async () => {
    const own = await create(uploader, { name: 'my-ci' });
    expect(own.statusCode).toBe(201);
    expect(own.json()).toMatchObject({ role: 'uploader', username: 'ci-owner', created_by: 'ci-owner' });
    expect((await create(uploader, { name: 'lower', role: 'reader' })).statusCode).toBe(201);
    for (const role of ['maintainer', 'admin', 'auditor']) {
      const res = await create(uploader, { name: 'higher', role });
      expect(res.statusCode, role).toBe(403);
      expect(res.json().code).toBe('ROLE_NOT_GRANTABLE');
    }
    // Only admins create tokens for someone else.
    expect((await create(uploader, { name: 'theft', username: 'admin', role: 'reader' })).statusCode).toBe(403);
    const forOther = await create(admin, { name: 'for-ci-owner', username: 'ci-owner' });
    expect(forOther.json()).toMatchObject({ username: 'ci-owner', created_by: 'admin', role: 'uploader' });
    expect((await create(admin, { name: 'too-high', username: 'ci-owner', role: 'maintainer' })).statusCode).toBe(403);
    // A token cannot mint tokens: a leak must not be able to extend itself.
    const minted = await create(bearer(own.json().token), { name: 'child' });
    expect(minted.statusCode).toBe(400);
    expect(minted.json().code).toBe('SESSION_REQUIRED');
  });

  it('lists only one’s own tokens unless admin; revokes own, hides others’, revoked → 401', async () => {
    const mine = (await srv.app.inject({ url: '/auth/api-tokens', headers: uploader })).json().tokens;
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.every((t: { username: string }) => t.username === 'ci-owner')).toBe(true);
    const all = (await srv.app.inject({ url: '/auth/api-tokens', headers: admin })).json().tokens;
    expect(all.some((t: { username: string }) => t.username === 'admin')).toBe(true);

    const adminToken = all.find((t: { username: string }) => t.username === 'admin');
    expect((await srv.app.inject({ method: 'DELETE', url: `/auth/api-tokens/${adminToken.id}`, headers: uploader })).statusCode).toBe(404);

    const { token, id } = (await create(uploader, { name: 'short-lived' })).json();
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    const del = await srv.app.inject({ method: 'DELETE', url: `/api/v1/auth/api-tokens/${id}`, headers: uploader });
    expect(del.statusCode).toBe(200);
    expect(del.json()).toEqual({ status: 'revoked' });
    const after = await srv.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(after.statusCode).toBe(401);
    expect((await auditRows(srv, 'TOKEN_REVOKE')).at(-1)).toMatchObject({ username: 'ci-owner', result: 'SUCCESS' });
    expect((await srv.app.inject({ method: 'DELETE', url: '/auth/api-tokens/999999', headers: admin })).statusCode).toBe(404);
  });

  it('a demoted owner’s tokens above their new role stop working', async () => {
    await createUser(srv, 'mover', 'maintainer');
    const session = bearer(await login(srv, 'mover'));
    const { token } = (await create(session, { name: 'maint', role: 'maintainer' })).json();
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    expect((await srv.app.inject({ method: 'PATCH', url: '/auth/users/mover', headers: admin, payload: { role: 'uploader' } })).statusCode).toBe(200);
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(token) })).statusCode).toBe(401);
  });

  it('an expired token → 401; unknown tokens with the prefix → 401', async () => {
    const { token } = (await create(uploader, { name: 'one-day', expires_days: 1 })).json();
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(token) })).statusCode).toBe(200);
    clock.advance(86_400_000 + 1000);
    const res = await srv.app.inject({ url: '/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect((await srv.app.inject({ url: '/auth/me', headers: bearer(`pky_${'A'.repeat(43)}`) })).statusCode).toBe(401);
  });
});
