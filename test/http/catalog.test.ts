import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { debEntries, tokenFor } from '../helpers/roles.js';
import { skipWithout } from '../helpers/tools.js';
import { SnapshotContentStore } from '../../src/store/sql/snapshot-content.store.js';

describe.skipIf(skipWithout(['dpkg-deb', 'rpmbuild']))('packages, artifacts, download, delete', () => {
  let srv: TestServer;
  let admin: string;
  const debs: Record<string, Buffer> = {};

  const upload = async (distribution: string, filename: string, content: Buffer) => {
    const body = multipart({ distribution }, { filename, content });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${admin}` } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const get = (url: string, token = admin) => srv.app.inject({ url, headers: { authorization: `Bearer ${token}` } });
  const del = (url: string, token = admin) => srv.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${token}` } });
  const served = async (dist: string, arch = 'amd64') => debEntries((await srv.app.inject({ url: `/repos/dists/${dist}/main/binary-${arch}/Packages` })).body);
  const primary = async (dist: string, arch: string) => {
    const repomd = (await srv.app.inject({ url: `/repos/${dist}/${arch}/repodata/repomd.xml` })).body;
    const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
    const gz = await srv.app.inject({ url: `/repos/${dist}/${arch}/${href}` });
    return gunzipSync(gz.rawPayload).toString('utf8');
  };

  beforeAll(async () => {
    srv = await startTestServer();
    admin = await srv.token();
    for (const [version, arch] of [['1.0', 'amd64'], ['1.10', 'amd64'], ['1.2', 'amd64'], ['1.10', 'arm64']]) {
      debs[`${version}/${arch}`] = buildDeb({ name: 'alpha', version, arch });
      await upload('jammy', `alpha_${version}_${arch}.deb`, debs[`${version}/${arch}`]);
    }
    await upload('noble', 'alpha_1.0_amd64.deb', debs['1.0/amd64']);
    await upload('noble', 'beta_2.0_amd64.deb', buildDeb({ name: 'beta', version: '2.0', source: 'betasrc' }));
    await upload('almalinux9', 'gamma-1.0-1.noarch.rpm', buildRpm({ name: 'gamma', version: '1.0' }));
  });
  afterAll(async () => srv?.close());

  it('GET /packages/ needs credentials and pages live memberships', async () => {
    expect((await srv.app.inject({ url: '/packages/' })).statusCode).toBe(401);
    const all = await get('/packages/');
    expect(all.statusCode).toBe(200);
    expect(all.json()).toMatchObject({ total: 7, page: 1, per_page: 50, pages: 1 });
    expect(all.json().items[0]).toMatchObject({ name: 'alpha', format: 'deb', distribution: 'jammy', component: 'main', uploaded_by: 'admin' });
    const p2 = (await get('/api/v1/packages/?per_page=3&page=2')).json();
    expect(p2).toMatchObject({ total: 7, page: 2, per_page: 3, pages: 3 });
    expect(p2.items).toHaveLength(3);
    const p3 = (await get('/packages/?per_page=3&page=3')).json();
    expect(p3.items).toHaveLength(1);
    expect((await get('/packages/?per_page=500')).statusCode).toBe(400);
    expect((await get('/packages/?format=zip')).statusCode).toBe(400);
  });

  it('filters /packages/ by distribution, format, arch, name and search', async () => {
    const names = async (qs: string) => (await get(`/packages/?${qs}`)).json().items.map((i: { name: string; version: string; arch: string; distribution: string }) => `${i.distribution}:${i.name}:${i.version}:${i.arch}`);
    expect(await names('distribution=noble')).toEqual(['noble:alpha:1.0:amd64', 'noble:beta:2.0:amd64']);
    expect(await names('format=rpm')).toEqual(['almalinux9:gamma:1.0-1:noarch']);
    expect(await names('arch=arm64')).toEqual(['jammy:alpha:1.10:arm64']);
    expect((await get('/packages/?name=alpha')).json().total).toBe(5);
    expect((await get('/packages/?name=alp')).json().total).toBe(0);
    expect((await get('/packages/?q=ALP')).json().total).toBe(5);
    expect(await names('q=betasrc')).toEqual(['noble:beta:2.0:amd64']);
    expect((await get('/packages/?q=%25')).json().total).toBe(0);
    expect((await get('/packages/?distribution=jammy&arch=amd64&name=alpha')).json().total).toBe(3);
  });

  it('GET /artifacts/ groups versions per name and format, newest by dpkg ordering', async () => {
    const res = (await get('/artifacts/')).json();
    expect(res).toMatchObject({ total: 3, pages: 1 });
    const alpha = res.items.find((i: { name: string }) => i.name === 'alpha');
    expect(alpha).toMatchObject({
      format: 'deb',
      description: 'test package alpha',
      latest_version: '1.10',
      versions: ['1.10', '1.2', '1.0'],
      version_count: 3,
      distributions: ['jammy', 'noble'],
      arches: ['amd64', 'arm64'],
    });
    expect((await get('/artifacts/?search=gam')).json().items.map((i: { name: string }) => i.name)).toEqual(['gamma']);
    expect((await get('/artifacts/?distribution=noble&per_page=1')).json()).toMatchObject({ total: 2, pages: 2, items: [{ name: 'alpha', versions: ['1.0'], distributions: ['noble'] }] });
    expect((await get('/artifacts/?arch=arm64')).json()).toMatchObject({ total: 1, items: [{ name: 'alpha', versions: ['1.10'], arches: ['arm64'] }] });
    expect((await get('/artifacts/?q=nothing-like-this')).json()).toEqual({ items: [], total: 0, page: 1, per_page: 50, pages: 0 });
  });

  it('GET /artifacts/{name} and /versions describe one artifact', async () => {
    const one = await get('/api/v1/artifacts/gamma');
    expect(one.statusCode).toBe(200);
    expect(one.json()).toMatchObject({ name: 'gamma', format: 'rpm', info: { latest_version: '1.0-1', description: 'test package gamma', distributions: ['almalinux9'] } });
    expect(one.json().history).toHaveLength(1);
    expect((await get('/artifacts/nothing-here')).statusCode).toBe(404);
    const versions = (await get('/artifacts/alpha/versions')).json();
    expect(versions).toMatchObject({ package: 'alpha', count: 3 });
    expect(versions.versions.map((v: { version: string }) => v.version)).toEqual(['1.10', '1.2', '1.0']);
    expect(versions.versions[0].arches).toEqual(['amd64', 'arm64']);
    expect(versions.versions[2].distributions).toEqual(['jammy', 'noble']);
    expect((await get('/artifacts/alpha/versions?distribution=noble')).json().count).toBe(1);
  });

  it('downloads a version with its content type and file name, and asks to disambiguate', async () => {
    const ambiguous = await get('/artifacts/alpha/versions/1.10/download');
    expect(ambiguous.statusCode).toBe(409);
    expect(ambiguous.json()).toMatchObject({ code: 'AMBIGUOUS_PACKAGE' });
    expect(ambiguous.json().choices).toHaveLength(2);
    const res = await get('/artifacts/alpha/versions/1.10/download?arch=arm64');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.debian.binary-package');
    expect(res.headers['content-disposition']).toBe('attachment; filename="alpha_1.10_arm64.deb"');
    expect(res.rawPayload.equals(debs['1.10/arm64'])).toBe(true);
    const rpm = await get('/api/v1/artifacts/gamma/versions/1.0-1/download');
    expect(rpm.statusCode).toBe(200);
    expect(rpm.headers['content-type']).toBe('application/x-rpm');
    expect(rpm.headers['content-disposition']).toBe('attachment; filename="gamma-1.0-1.noarch.rpm"');
    expect((await get('/artifacts/alpha/versions/9.9/download')).statusCode).toBe(404);
    expect((await get('/artifacts/alpha/versions/1.10/download?arch=amd64&distribution=noble')).statusCode).toBe(404);
  });

  it('DELETE of one version needs package:delete and makes a new snapshot without it', async () => {
    const reader = await tokenFor(srv, 'reader');
    const uploader = await tokenFor(srv, 'uploader');
    expect((await del('/artifacts/alpha/1.2', reader)).statusCode).toBe(403);
    expect((await del('/artifacts/alpha/1.2', uploader)).statusCode).toBe(403);
    expect((await del('/artifacts/alpha/1.2', '')).statusCode).toBe(401);
    const jammy = (await srv.container.stores.repositories.getByName('jammy'))!;
    const before = jammy.headSnapshot;
    expect(await served('jammy')).toContain('alpha 1.2 amd64');

    const maintainer = await tokenFor(srv, 'maintainer');
    const res = await del('/artifacts/alpha/1.2', maintainer);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'deleted', package: 'alpha', version: '1.2', removed: [{ distribution: 'jammy', snapshot: before + 1, versions: ['1.2'], packages: 1 }] });

    expect(await served('jammy')).not.toContain('alpha 1.2 amd64');
    expect(await served('jammy')).toContain('alpha 1.10 amd64');
    // The earlier snapshot is untouched: it still lists the package.
    const content = new SnapshotContentStore(srv.container.db);
    const old = await content.members(jammy.id, before);
    expect(old.map((m) => `${m.name} ${m.version}`)).toContain('alpha 1.2');
    const now = await content.members(jammy.id, before + 1);
    expect(now.map((m) => `${m.name} ${m.version}`)).not.toContain('alpha 1.2');
    expect((await get('/artifacts/alpha/versions')).json().versions.map((v: { version: string }) => v.version)).toEqual(['1.10', '1.0']);

    const events = await srv.container.stores.audit.pageFrom(0, 1000);
    expect(events.filter((e) => e.action === 'DELETE')).toEqual([
      expect.objectContaining({ username: 'maintainer-user', role: 'maintainer', result: 'SUCCESS', package: 'alpha', version: '1.2', distribution: 'jammy' }),
    ]);
    expect((await del('/artifacts/alpha/1.2')).statusCode).toBe(404);
  });

  it('DELETE of a whole package removes it from every distribution that holds it', async () => {
    const res = await del('/api/v1/artifacts/alpha');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().removed.map((r: { distribution: string }) => r.distribution)).toEqual(['jammy', 'noble']);
    expect((await served('jammy')).filter((e) => e.startsWith('alpha '))).toEqual([]);
    expect((await served('jammy', 'arm64')).filter((e) => e.startsWith('alpha '))).toEqual([]);
    expect(await served('noble')).toEqual(['beta 2.0 amd64']);
    expect((await get('/artifacts/alpha')).statusCode).toBe(404);
    expect((await get('/packages/?name=alpha')).json().total).toBe(0);
    const deletes = (await srv.container.stores.audit.pageFrom(0, 1000)).filter((e) => e.action === 'DELETE');
    expect(deletes.map((e) => e.distribution)).toEqual(['jammy', 'jammy', 'noble']);
  });

  it('DELETE with ?distribution= limits the removal, and rpm removal drops it from primary.xml', async () => {
    expect(await primary('almalinux9', 'x86_64')).toContain('<name>gamma</name>');
    expect((await del('/artifacts/gamma?distribution=jammy')).statusCode).toBe(404);
    const res = await del('/artifacts/gamma/1.0-1?distribution=almalinux9');
    expect(res.statusCode, res.body).toBe(200);
    expect(await primary('almalinux9', 'x86_64')).not.toContain('<name>gamma</name>');
    expect(await primary('almalinux9', 'noarch')).not.toContain('<name>gamma</name>');
  });
});
