import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthService } from '../../src/auth/auth.service.js';
import { allowed, type Permission, ROLES } from '../../src/auth/permissions.js';
import type { RouteEntry } from '../../src/http/plugins/auth.js';
import { RELAXED_LIMITS } from '../helpers/accounts.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

/**
 * Every registered route × every role, plus bad credentials, against the permission matrix. The routes come
 * from the application itself (app.routeCatalogue, filled by an onRoute hook before any route exists), so a
 * route added later is covered without touching this file — or fails here until it is classified.
 */

/** Routes that need no credentials at all: asserted reachable without any. */
const PUBLIC: RegExp[] = [
  /^(\/api\/v1)?\/auth\/token$/,
  /^(\/api\/v1)?\/auth\/roles$/,
  /^(\/api\/v1)?\/health(\/.*)?$/,
  /^\/repos(\/.*)?$/,
  /^\/repo(\/.*)?$/,
  /^\/docs(\/.*)?$/,
  /^\/openapi\.json$/,
  /^\/ui(\/.*)?$/,
  /^\/$/,
];

/**
 * Routes with their own authentication scheme (Repomanager API keys and `Host id:token`, the metrics token):
 * not governed by Bearer roles. Asserted to answer without a server error when called with no credentials.
 * One of them that also declares a Bearer permission is simply checked as a guarded route.
 */
const OWN_AUTH: RegExp[] = [/^\/api\/v2(\/.*)?$/, /^\/metrics$/, /^\/ws(\/.*)?$/];

/**
 * What the issue fixes for Repod's routes, pinned so a route cannot drift to a weaker permission while still
 * passing the matrix loop (which trusts each route's declaration). Routes not matched here keep theirs.
 */
const PINNED: Array<[method: RegExp, url: RegExp, permission: Permission]> = [
  [/./, /^(\/api\/v1)?\/auth\/users(\/.*)?$/, 'user:admin'],
  [/./, /^(\/api\/v1)?\/auth\/(logout|refresh|me|change-password|api-tokens(\/.*)?)$/, 'token:self'],
  [/./, /^(\/api\/v1)?\/artifacts\/audit\/.*$/, 'audit:read'],
  [/^POST$/, /^(\/api\/v1)?\/upload\/.*$/, 'package:upload'],
  [/^(GET|HEAD)$/, /^(\/api\/v1)?\/packages\/$/, 'package:read'],
  [/^DELETE$/, /^(\/api\/v1)?\/artifacts\/:name(\/:version)?$/, 'package:delete'],
  [/^POST$/, /^(\/api\/v1)?\/(distributions\/promote|artifacts\/:name\/promote)$/, 'package:promote'],
  [/^POST$/, /^(\/api\/v1)?\/security\/packages\/:name\/:version\/decide$/, 'security:decide'],
];

const DUMMY = 'packyard-matrix-dummy';

/** A concrete, harmless URL for a route template: unknown names and ids, so handlers find nothing to change. */
function concrete(url: string): string {
  return url
    .replace(/:(\w+)(\([^)]*\))?/g, (_m, name: string) => (/(^id$|Id$|_id$)/.test(name) ? '999999' : DUMMY))
    .replace(/\*$/, DUMMY);
}

const matches = (list: RegExp[], url: string) => list.some((re) => re.test(url));

describe('route × role permission matrix', () => {
  let srv: TestServer;
  let routes: RouteEntry[];
  const tokenFor = new Map<string, () => Promise<string>>();

  beforeAll(async () => {
    srv = await startTestServer(RELAXED_LIMITS);
    routes = srv.app.routeCatalogue;
    const c = srv.container;
    for (const role of ROLES) {
      const username = role === 'admin' ? 'admin' : `matrix-${role}`;
      if (role !== 'admin') await c.users.create({ username: 'admin', role: 'admin' }, { username, password: 'Matrix-pass1', role });
      const user = (await c.stores.users.findByUsername(username))!;
      // A fresh JWT per request: some allowed calls (logout) end the session they were made with.
      tokenFor.set(role, async () => (await c.auth.issue(user)).access_token);
    }
  });
  afterAll(async () => srv?.close());

  const call = (route: RouteEntry, authorization?: string) => {
    const opts: InjectOptions = { method: route.method as InjectOptions['method'], url: concrete(route.url) };
    if (authorization) opts.headers = { authorization };
    return srv.app.inject(opts);
  };

  it('finds the application’s routes, under both the root and /api/v1, each classified', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const u of ['/auth/users', '/api/v1/auth/users', '/artifacts/audit/logs', '/api/v1/upload/', '/auth/api-tokens/:id']) expect(urls).toContain(u);
    const unclassified = routes.filter((r) => r.permission === null && !matches(PUBLIC, r.url) && !matches(OWN_AUTH, r.url));
    expect(unclassified.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const guardedButListedPublic = routes.filter((r) => r.permission !== null && matches(PUBLIC, r.url));
    expect(guardedButListedPublic.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const drifted = routes.flatMap((r) => {
      const pin = PINNED.find(([m, u]) => m.test(r.method) && u.test(r.url));
      return pin && pin[2] !== r.permission ? [`${r.method} ${r.url}: ${r.permission} instead of ${pin[2]}`] : [];
    });
    expect(drifted).toEqual([]);
  });

  it('answers each role exactly as the matrix says: 403 when forbidden, neither 401 nor 403 when allowed', async () => {
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.permission)) {
      for (const role of ROLES) {
        const res = await call(route, `Bearer ${await tokenFor.get(role)!()}`);
        const ok = allowed(role, route.permission!) ? res.statusCode !== 401 && res.statusCode !== 403 : res.statusCode === 403;
        if (!ok) wrong.push(`${route.method} ${route.url} as ${role} (${route.permission}): ${res.statusCode} ${res.body.slice(0, 120)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('answers 401 to every guarded route without credentials, with an expired JWT, a revoked JWT or a revoked API token', async () => {
    const c = srv.container;
    const admin = (await c.stores.users.findByUsername('admin'))!;
    const twoHoursAgo = { now: () => new Date(Date.now() - 2 * 3600_000) };
    const past = new AuthService({
      db: c.db,
      users: c.stores.users,
      loginFailures: c.stores.loginFailures,
      revokedTokens: c.stores.revokedTokens,
      apiTokens: c.apiTokens,
      audit: c.audit,
      clock: twoHoursAgo,
      jwtSecret: c.config.jwtSecret,
      jwtExpireMinutes: 60,
      loginMaxAttempts: 5,
      loginLockoutMinutes: 15,
    });
    const expired = (await past.issue(admin)).access_token;
    const revokedJwt = (await c.auth.issue(admin)).access_token;
    expect((await srv.app.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: `Bearer ${revokedJwt}` } })).statusCode).toBe(200);
    const session = await c.auth.authenticate((await c.auth.issue(admin)).access_token);
    const apiToken = await c.apiTokens.create(session, { name: 'matrix', role: 'admin' });
    await c.apiTokens.revoke(session, apiToken.id);

    const credentials: Record<string, string | undefined> = {
      none: undefined,
      'expired JWT': `Bearer ${expired}`,
      'revoked JWT': `Bearer ${revokedJwt}`,
      'revoked API token': `Bearer ${apiToken.token}`,
      'malformed header': `Basic ${Buffer.from('admin:Admin1234!').toString('base64')}`,
    };
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.permission)) {
      for (const [name, authorization] of Object.entries(credentials)) {
        const res = await call(route, authorization);
        if (res.statusCode !== 401) wrong.push(`${route.method} ${route.url} with ${name}: ${res.statusCode}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('reaches every public route without credentials, and own-auth routes answer without a server error', async () => {
    const wrong: string[] = [];
    for (const route of routes.filter((r) => r.permission === null)) {
      const res = await call(route);
      if (matches(PUBLIC, route.url) && (res.statusCode === 401 || res.statusCode === 403)) wrong.push(`${route.method} ${route.url}: ${res.statusCode}`);
      if (matches(OWN_AUTH, route.url) && res.statusCode >= 500) wrong.push(`${route.method} ${route.url}: ${res.statusCode}`);
    }
    expect(wrong).toEqual([]);
  });
});
