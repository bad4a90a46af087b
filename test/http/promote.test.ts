import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { debEntries, tokenFor } from '../helpers/roles.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb', 'rpmbuild']))('promotion between distributions', () => {
  let srv: TestServer;
  let admin: string;
  const post = (url: string, payload: object, token = admin) => srv.app.inject({ method: 'POST', url, payload, headers: { authorization: `Bearer ${token}` } });
  const upload = async (distribution: string, filename: string, content: Buffer) => {
    const body = multipart({ distribution }, { filename, content });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${admin}` } });
    expect(res.statusCode, res.body).toBe(200);
  };
  const served = async (dist: string, arch = 'amd64') => debEntries((await srv.app.inject({ url: `/repos/dists/${dist}/main/binary-${arch}/Packages` })).body);
  const head = async (dist: string) => (await srv.container.stores.repositories.getByName(dist))!.headSnapshot;

  beforeAll(async () => {
    srv = await startTestServer();
    admin = await srv.token();
    for (const [version, arch] of [['1.0', 'amd64'], ['1.10', 'amd64'], ['1.9', 'amd64'], ['1.10', 'arm64'], ['1.0', 'all']]) {
      await upload('jammy', `alpha_${version}_${arch}.deb`, buildDeb({ name: 'alpha', version, arch }));
    }
    await upload('almalinux9', 'gamma-2.0-1.noarch.rpm', buildRpm({ name: 'gamma', version: '2.0' }));
    await upload('almalinux9', 'gamma-10.0-1.noarch.rpm', buildRpm({ name: 'gamma', version: '10.0' }));
  });
  afterAll(async () => srv?.close());

  it('promotes the newest version (dpkg ordering, every arch) as a new snapshot of the target', async () => {
    const before = await head('noble');
    const res = await post('/api/v1/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'noble' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', package: 'alpha', version: '1.10', arches: ['amd64', 'arm64'], from: 'jammy', to: 'noble', snapshot: before + 1, promoted_by: 'admin', policy_verdict: { verdict: 'allow' } });
    expect(await head('noble')).toBe(before + 1);
    expect(await served('noble')).toEqual(['alpha 1.10 amd64']);
    expect(await served('noble', 'arm64')).toEqual(['alpha 1.10 arm64']);
    expect(await served('jammy')).toContain('alpha 1.10 amd64');

    const again = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'noble' });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'already_present', snapshot: null });
    expect(await head('noble')).toBe(before + 1);
  });

  it('/artifacts/{name}/promote promotes a given version with the same semantics', async () => {
    const res = await post('/artifacts/alpha/promote', { from_dist: 'jammy', to_dist: 'noble', version: '1.0' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'approved', version: '1.0', arches: ['all', 'amd64'] });
    expect((await served('noble')).sort()).toEqual(['alpha 1.0 all', 'alpha 1.0 amd64', 'alpha 1.10 amd64']);
    expect((await post('/api/v1/artifacts/alpha/promote', { from_dist: 'jammy', to_dist: 'noble', version: '7.7' })).statusCode).toBe(404);
  });

  it('promotes rpm packages by rpm version ordering and lists them in the target primary.xml', async () => {
    const res = await post('/distributions/promote', { package: 'gamma', from_dist: 'almalinux9', to_dist: 'rocky9' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().version).toBe('10.0-1');
    const repomd = (await srv.app.inject({ url: '/repos/rocky9/x86_64/repodata/repomd.xml' })).body;
    const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
    const primary = gunzipSync((await srv.app.inject({ url: `/repos/rocky9/x86_64/${href}` })).rawPayload).toString('utf8');
    expect(primary).toContain('<name>gamma</name>');
    expect(primary).toContain('ver="10.0"');
    expect(primary).not.toContain('ver="2.0"');
  });

  it('refuses across formats (422), unknown distributions (400), missing packages (404)', async () => {
    const mismatch = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'almalinux9' });
    expect(mismatch.statusCode).toBe(422);
    expect(mismatch.json().code).toBe('FORMAT_MISMATCH');
    const unknown = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'hurd' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().code).toBe('UNKNOWN_DISTRIBUTION');
    expect((await post('/distributions/promote', { package: 'nothing', from_dist: 'jammy', to_dist: 'noble' })).statusCode).toBe(404);
    expect((await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'jammy' })).statusCode).toBe(400);
    expect((await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy' })).statusCode).toBe(400);
  });

  it('needs package:promote, and force is for admins only', async () => {
    expect((await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'focal' }, await tokenFor(srv, 'uploader'))).statusCode).toBe(403);
    expect((await srv.app.inject({ method: 'POST', url: '/distributions/promote', payload: { package: 'alpha', from_dist: 'jammy', to_dist: 'focal' } })).statusCode).toBe(401);
    const maintainer = await tokenFor(srv, 'maintainer');
    const forced = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'focal', force: true, justification: 'x' }, maintainer);
    expect(forced.statusCode).toBe(403);
    const ok = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'focal' }, maintainer);
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().promoted_by).toBe('maintainer-user');
  });

  it('skips architectures the target does not serve, with a warning', async () => {
    const created = await post('/distributions/', { codename: 'amd-only', format: 'deb', architectures: ['amd64'] });
    expect(created.statusCode, created.body).toBe(201);
    const res = await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'amd-only' });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().arches).toEqual(['amd64']);
    expect(res.json().warnings).toEqual(['architecture arm64 is not served by amd-only; not promoted']);
    expect((await post('/distributions/promote', { package: 'alpha', from_dist: 'jammy', to_dist: 'amd-only', arch: 'arm64' })).statusCode).toBe(422);
  });

  it('records PROMOTE audit events in the same transaction', async () => {
    const events = (await srv.container.stores.audit.pageFrom(0, 1000)).filter((e) => e.action === 'PROMOTE');
    expect(events.length).toBeGreaterThanOrEqual(5);
    expect(events[0]).toMatchObject({ username: 'admin', result: 'SUCCESS', package: 'alpha', version: '1.10', distribution: 'noble' });
    expect(events[0].detail).toMatchObject({ from: 'jammy', verdict: 'allow' });
  });
});
