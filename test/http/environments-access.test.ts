import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb']))('environment routes: permissions and HTTP semantics of /repo paths', () => {
  let srv: TestServer;
  let admin: Record<string, string>;
  let reader: Record<string, string>;

  beforeAll(async () => {
    srv = await startTestServer();
    admin = { authorization: `Bearer ${await srv.token()}` };
    await srv.container.stores.users.create({ username: 'rita', passwordHash: await srv.container.auth.hashPassword('Reader1234!'), role: 'reader', createdAt: new Date().toISOString() });
    const login = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'rita', password: 'Reader1234!' } });
    reader = { authorization: `Bearer ${login.json().access_token}` };
    const body = multipart({ distribution: 'jammy' }, { filename: 'a.deb', content: buildDeb({ name: 'acc-a', version: '1.0' }) });
    expect((await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, ...admin } })).statusCode).toBe(200);
  });
  afterAll(async () => srv?.close());

  it('readers read but cannot define environments, point them, or write snapshots', async () => {
    expect((await srv.app.inject({ method: 'GET', url: '/api/v1/environments', headers: reader })).statusCode).toBe(200);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v1/environments' })).statusCode).toBe(401);
    expect((await srv.app.inject({ method: 'POST', url: '/api/v1/environments', headers: reader, payload: { name: 'qa' } })).statusCode).toBe(403);
    expect((await srv.app.inject({ method: 'PUT', url: '/api/v1/repositories/jammy/environments/prod', headers: reader, payload: { snapshot: 1 } })).statusCode).toBe(403);
    const v2 = await srv.app.inject({ method: 'PATCH', url: '/api/v2/environment/prod/point', headers: reader, payload: { snapshot: 1 } });
    expect(v2.statusCode).toBe(403);
    expect(v2.json()).toMatchObject({ rc: 403, return: 403, message_error: [expect.stringMatching(/reader/)] });
    expect((await srv.app.inject({ method: 'PUT', url: '/api/v2/snapshot/1/rebuild', headers: reader, payload: {} })).statusCode).toBe(403);
    expect((await srv.app.inject({ method: 'DELETE', url: '/api/v2/snapshot/1/packages', headers: reader, payload: { packages: ['x.deb'] } })).statusCode).toBe(403);
    expect((await srv.app.inject({ method: 'POST', url: '/api/v1/profiles', headers: reader, payload: { name: 'p' } })).statusCode).toBe(403);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/snapshot/1', headers: reader })).json()).toMatchObject({ rc: 200, results: { Id: 1, Number: 1 } });
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/snapshot/999', headers: reader })).statusCode).toBe(404);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/repo', headers: { authorization: 'Bearer nope' } })).json()).toMatchObject({ rc: 401, return: 401 });
  });

  it('current and pointed environments answer with ETag, 304, Range and HEAD; unknown env, dist or component is 404', async () => {
    await srv.app.inject({ method: 'PUT', url: '/api/v1/repositories/jammy/environments/prod', headers: admin, payload: { snapshot: 1 } });
    for (const env of ['current', 'prod']) {
      const url = `/repo/deb/jammy/jammy/main/${env}/dists/jammy/InRelease`;
      const r = await srv.app.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(200);
      expect(r.body).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
      const etag = r.headers.etag as string;
      expect((await srv.app.inject({ method: 'GET', url, headers: { 'if-none-match': etag } })).statusCode).toBe(304);
      const part = await srv.app.inject({ method: 'GET', url, headers: { range: 'bytes=0-4' } });
      expect(part.statusCode).toBe(206);
      expect(part.body).toBe('-----');
      const head = await srv.app.inject({ method: 'HEAD', url });
      expect(head.statusCode).toBe(200);
      expect(head.headers['content-length']).toBe(String(r.rawPayload.length));
    }
    const byHash = await srv.app.inject({ method: 'GET', url: '/repo/deb/jammy/jammy/main/prod/dists/jammy/main/binary-amd64/Packages' });
    const sha = (await import('node:crypto')).createHash('sha256').update(byHash.rawPayload).digest('hex');
    expect((await srv.app.inject({ method: 'GET', url: `/repo/deb/jammy/jammy/main/prod/dists/jammy/main/binary-amd64/by-hash/SHA256/${sha}` })).statusCode).toBe(200);
    for (const url of ['/repo/deb/jammy/jammy/main/preprod/dists/jammy/InRelease', '/repo/deb/jammy/noble/main/prod/dists/noble/InRelease', '/repo/deb/jammy/jammy/contrib/prod/dists/jammy/InRelease', '/repo/deb/almalinux9/almalinux9/main/current/dists/almalinux9/InRelease', '/repo/rpm/almalinux9/8/current/x86_64/repodata/repomd.xml', '/repo/deb/jammy/jammy/main/prod/dists/jammy/../../key.asc']) {
      expect((await srv.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
    }
    const rpm = await srv.app.inject({ method: 'GET', url: '/repo/rpm/almalinux9/9/current/x86_64/repodata/repomd.xml.asc' });
    expect(rpm.statusCode).toBe(200);
    expect(rpm.body).toMatch(/BEGIN PGP SIGNATURE/);
  });
});
