import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../helpers/app.js';

describe('security headers and JSON errors', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const expectSecurityHeaders = (headers: Record<string, unknown>) => {
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers['referrer-policy']).toBe('no-referrer');
    const csp = String(headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("object-src 'none'");
    // plain-HTTP deployments must keep working in a browser
    expect(csp).not.toContain('upgrade-insecure-requests');
  };

  it('sends them on API answers, errors, the serving plane and unknown routes', async () => {
    const answers = await Promise.all([
      srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password: 'Admin1234!' } }),
      srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin' } }),
      srv.app.inject({ url: '/repos/dists/jammy/InRelease' }),
      srv.app.inject({ url: '/repos/key.gpg' }),
      srv.app.inject({ url: '/nowhere' }),
      srv.app.inject({ url: '/health' }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 400, 200, 200, 404, 200]);
    for (const res of answers) expectSecurityHeaders(res.headers);
  });

  it('answers unknown routes with a JSON 404 carrying code NOT_FOUND', async () => {
    for (const url of ['/nowhere', '/api/v1/nowhere', '/api/v2/nowhere?x=1']) {
      const res = await srv.app.inject({ url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json()).toMatchObject(url.startsWith('/api/v2') ? { code: 'NOT_FOUND', rc: 404 } : { code: 'NOT_FOUND', detail: 'Not found' });
      expect(typeof res.json().message).toBe('string');
    }
  });

  it('answers a known path with the wrong method with a JSON 405 and an Allow header', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/auth/token' });
    expect(res.statusCode).toBe(405);
    expect(res.headers.allow).toBe('POST');
    expect(res.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const put = await srv.app.inject({ method: 'PUT', url: '/repos/dists/jammy/Release' });
    expect(put.statusCode).toBe(405);
    expect(put.headers.allow).toBe('GET, HEAD');
    const v1 = await srv.app.inject({ method: 'DELETE', url: '/api/v1/upload/' });
    expect(v1.statusCode).toBe(405);
  });

  it('answers malformed and unsupported bodies with JSON errors', async () => {
    const bad = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: '{not json', headers: { 'content-type': 'application/json' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
    const xml = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.statusCode).toBe(415);
    expect(xml.json().code).toBe('UNSUPPORTED_MEDIA_TYPE');
  });
});
