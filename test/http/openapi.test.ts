import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderOpenApi } from '../../src/http/openapi.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

const CHECKED_IN = path.resolve(import.meta.dirname, '../../openapi/openapi.json');

/**
 * Routes whose success answer is not a JSON document described by a schema, with the reason. Everything
 * else must declare one (CONVENTIONS.md rule 3: response schemas are the serializer and the documentation).
 */
const FILES = 'serves repository files: bytes with their own content types, ETag and ranges';
const NO_SUCCESS_SCHEMA = new Map<string, string>([
  ['GET /repos/*', FILES],
  ['GET /repo/deb/:name/:dist/:component/:env/*', FILES],
  ['GET /repo/rpm/:name/:releasever/:env/*', FILES],
  ['GET /ws', 'the agents\' WebSocket: an upgrade, not a JSON answer'],
]);

describe('OpenAPI document', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  it('is served at /openapi.json as OpenAPI 3.1 and lists the API routes, not the documentation pages', async () => {
    const res = await srv.app.inject({ url: '/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.version).toBe(srv.config.version);
    for (const p of ['/auth/token', '/api/v1/auth/token', '/upload/', '/api/v1/upload/', '/health', '/health/ready', '/metrics']) {
      expect(Object.keys(doc.paths)).toContain(p);
    }
    expect(Object.keys(doc.paths).filter((p) => p.startsWith('/docs') || p === '/openapi.json')).toEqual([]);
    expect(doc.paths['/health'].get.responses['503']).toBeDefined();
  });

  it('is checked in and up to date (run `npm run openapi` after changing a route)', async () => {
    const generated = renderOpenApi(srv.app);
    const checkedIn = readFileSync(CHECKED_IN, 'utf8');
    expect(checkedIn, 'openapi/openapi.json is stale: run `npm run openapi` and commit the result').toBe(generated);
  });

  it('every route declares a response schema for its success status, and a params schema for its path parameters', () => {
    const missing: string[] = [];
    for (const route of srv.app.routeTable) {
      if (route.method === 'HEAD' || route.url.startsWith('/docs') || route.url === '/openapi.json') continue;
      const id = `${route.method} ${route.url}`;
      if (/[:*]/.test(route.url) && !route.schema?.params) missing.push(`${id}: no params schema`);
      if (NO_SUCCESS_SCHEMA.has(id)) continue;
      const statuses = Object.keys((route.schema?.response as Record<string, unknown> | undefined) ?? {});
      if (!statuses.some((s) => /^2(\d\d|xx)$/.test(s))) missing.push(`${id}: no 2xx response schema`);
    }
    expect(missing).toEqual([]);
    expect(srv.app.routeTable.length).toBeGreaterThan(5);
  });
});

describe('/docs', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  it('serves Swagger UI from this server only, within the server-wide CSP', async () => {
    const page = await srv.app.inject({ url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.length).toBeGreaterThan(3);
    // no inline scripts (the CSP would block them) and no external URLs
    expect(page.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    for (const ref of refs) {
      expect(ref).not.toMatch(/^(https?:)?\/\//);
      const asset = await srv.app.inject({ url: new URL(ref, 'http://x/docs/').pathname });
      expect(asset.statusCode, ref).toBe(200);
    }
    const init = await srv.app.inject({ url: '/docs/static/swagger-initializer.js' });
    expect(init.statusCode).toBe(200);
    // no external URL in a string literal (its comments cite a web page, harmlessly)
    expect(init.body).not.toMatch(/["'`]https?:\/\//);
    expect(init.body).toContain('validatorUrl: null');
    const spec = await srv.app.inject({ url: '/docs/json' });
    expect(spec.json().openapi).toBe('3.1.0');
  });
});
