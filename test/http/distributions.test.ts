import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { tokenFor } from '../helpers/roles.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb']))('distributions', () => {
  let srv: TestServer;
  let admin: string;
  const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: object, token = admin) =>
    srv.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });
  const upload = async (distribution: string, filename: string, content: Buffer) => {
    const body = multipart({ distribution }, { filename, content });
    return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${admin}` } });
  };

  beforeAll(async () => {
    srv = await startTestServer();
    admin = await srv.token();
  });
  afterAll(async () => srv?.close());

  it('lists the default distributions with formats and package counts', async () => {
    await upload('jammy', 'one_1.0_amd64.deb', buildDeb({ name: 'one', version: '1.0' }));
    const reader = await tokenFor(srv, 'reader');
    const res = await call('GET', '/distributions/', undefined, reader);
    expect(res.statusCode).toBe(200);
    const list = res.json().distributions as Array<{ codename: string; format: string; package_count: number }>;
    expect(list.find((d) => d.codename === 'jammy')).toMatchObject({ format: 'deb', package_count: 1, components: ['main'] });
    expect(list.find((d) => d.codename === 'almalinux9')).toMatchObject({ format: 'rpm', package_count: 0, components: [] });
    expect((await srv.app.inject({ url: '/distributions/' })).statusCode).toBe(401);
    const pk = await call('GET', '/api/v1/distributions/jammy/packages', undefined, reader);
    expect(pk.json()).toMatchObject({ codename: 'jammy', total: 1, packages: [{ name: 'one', version: '1.0', arch: 'amd64', component: 'main' }] });
    expect((await call('GET', '/distributions/nowhere/packages')).statusCode).toBe(404);
  });

  it('lets an admin create a deb distribution that apt can use at once', async () => {
    const maintainer = await tokenFor(srv, 'maintainer');
    const body = { codename: 'acme-stable', format: 'deb', components: ['main', 'contrib'], architectures: ['amd64', 'riscv64'], origin: 'ACME', label: 'ACME Stable', description: 'ACME packages' };
    expect((await call('POST', '/distributions/', body, maintainer)).statusCode).toBe(403);
    const res = await call('POST', '/distributions/', body);
    expect(res.statusCode, res.body).toBe(201);
    expect(res.json()).toMatchObject({ codename: 'acme-stable', format: 'deb', components: ['main', 'contrib'], architectures: ['amd64', 'riscv64'], package_count: 0 });

    const release = await srv.app.inject({ url: '/repos/dists/acme-stable/Release' });
    expect(release.statusCode).toBe(200);
    expect(release.body).toMatch(/^Origin: ACME$/m);
    expect(release.body).toMatch(/^Label: ACME Stable$/m);
    expect(release.body).toMatch(/^Codename: acme-stable$/m);
    expect(release.body).toMatch(/^Architectures: amd64 riscv64$/m);
    expect(release.body).toMatch(/^Components: main contrib$/m);
    const inRelease = await srv.app.inject({ url: '/repos/dists/acme-stable/InRelease' });
    expect(inRelease.body).toContain('-----BEGIN PGP SIGNED MESSAGE-----');
    expect((await srv.app.inject({ url: '/repos/dists/acme-stable/contrib/binary-riscv64/Packages' })).statusCode).toBe(200);

    const up = await upload('acme-stable', 'two_1.0_riscv64.deb', buildDeb({ name: 'two', version: '1.0', arch: 'riscv64' }));
    expect(up.statusCode, up.body).toBe(200);
    expect((await srv.app.inject({ url: '/repos/dists/acme-stable/main/binary-riscv64/Packages' })).body).toContain('Package: two');

    const events = await srv.container.stores.audit.pageFrom(0, 1000);
    expect(events.filter((e) => e.action === 'DISTRIBUTION_CREATE')).toEqual([expect.objectContaining({ username: 'admin', result: 'SUCCESS', distribution: 'acme-stable' })]);
  });

  it('creates an rpm distribution with a signed empty repomd', async () => {
    const res = await call('POST', '/api/v1/distributions/', { codename: 'acme-el9', format: 'rpm', architectures: ['x86_64', 'noarch'] });
    expect(res.statusCode, res.body).toBe(201);
    const repomd = await srv.app.inject({ url: '/repos/acme-el9/x86_64/repodata/repomd.xml' });
    expect(repomd.statusCode).toBe(200);
    expect(repomd.body).toContain('<data type="primary">');
    expect((await srv.app.inject({ url: '/repos/acme-el9/x86_64/repodata/repomd.xml.asc' })).body).toContain('BEGIN PGP SIGNATURE');
  });

  it('validates codenames, architectures, components and uniqueness', async () => {
    const bad = [
      { codename: 'Bad Name', format: 'deb', architectures: ['amd64'] },
      { codename: 'dists', format: 'rpm', architectures: ['x86_64'] },
      { codename: '../etc', format: 'deb', architectures: ['amd64'] },
      { codename: 'ok1', format: 'deb', architectures: ['amd 64'] },
      { codename: 'ok2', format: 'deb', architectures: ['all'] },
      { codename: 'ok3', format: 'deb', components: [], architectures: ['amd64'] },
      { codename: 'ok4', format: 'deb', components: ['main/x'], architectures: ['amd64'] },
      { codename: 'ok5', format: 'deb', architectures: ['amd64', 'amd64'] },
      { codename: 'ok6', format: 'rpm', components: ['main'], architectures: ['x86_64'] },
      { codename: 'ok7', format: 'rpm', architectures: ['x86-64'] },
      { codename: 'ok8', format: 'deb', architectures: ['amd64'], origin: 'two\nlines' },
      { codename: 'ok9', format: 'apk', architectures: ['x86_64'] },
    ];
    for (const body of bad) {
      const res = await call('POST', '/distributions/', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
    }
    const dup = await call('POST', '/distributions/', { codename: 'jammy', format: 'deb', architectures: ['amd64'] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().code).toBe('DISTRIBUTION_EXISTS');
  });

  it('updates Origin/Label/architectures and republishes; refuses to orphan packages', async () => {
    const res = await call('PATCH', '/distributions/acme-stable', { label: 'ACME LTS', architectures: ['amd64', 'riscv64', 'arm64'] });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ label: 'ACME LTS', architectures: ['amd64', 'riscv64', 'arm64'], package_count: 1 });
    const release = (await srv.app.inject({ url: '/repos/dists/acme-stable/Release' })).body;
    expect(release).toMatch(/^Label: ACME LTS$/m);
    expect(release).toMatch(/^Architectures: amd64 riscv64 arm64$/m);
    expect((await srv.app.inject({ url: '/repos/dists/acme-stable/main/binary-riscv64/Packages' })).body).toContain('Package: two');

    const orphan = await call('PATCH', '/distributions/acme-stable', { architectures: ['amd64'] });
    expect(orphan.statusCode).toBe(409);
    expect(orphan.json().code).toBe('DISTRIBUTION_IN_USE');
    expect((await call('PATCH', '/distributions/acme-stable', { components: ['contrib'] })).statusCode).toBe(409);
    expect((await call('PATCH', '/distributions/acme-stable', { components: [] })).statusCode).toBe(400);
    expect((await call('PATCH', '/distributions/nowhere', { label: 'x' })).statusCode).toBe(404);
    expect((await call('PATCH', '/distributions/acme-stable', { label: 'x' }, await tokenFor(srv, 'maintainer'))).statusCode).toBe(403);
    const events = await srv.container.stores.audit.pageFrom(0, 1000);
    expect(events.filter((e) => e.action === 'DISTRIBUTION_UPDATE')).toHaveLength(1);
  });

  it('deletes a distribution and stops serving it; refuses while it holds packages unless forced', async () => {
    const held = await call('DELETE', '/distributions/acme-stable');
    expect(held.statusCode).toBe(409);
    expect(held.json()).toMatchObject({ code: 'DISTRIBUTION_IN_USE', package_count: 1 });
    const res = await call('DELETE', '/distributions/acme-stable?force=true');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ status: 'deleted', codename: 'acme-stable', packages_removed: 1 });
    expect((await srv.app.inject({ url: '/repos/dists/acme-stable/Release' })).statusCode).toBe(404);
    expect((await srv.app.inject({ url: '/repos/dists/acme-stable/InRelease' })).statusCode).toBe(404);
    expect((await call('GET', '/distributions/acme-stable')).statusCode).toBe(404);
    expect((await call('GET', '/packages/?name=two')).json().total).toBe(0);

    expect((await call('DELETE', '/api/v1/distributions/acme-el9')).statusCode).toBe(200);
    expect((await srv.app.inject({ url: '/repos/acme-el9/x86_64/repodata/repomd.xml' })).statusCode).toBe(404);
    const events = await srv.container.stores.audit.pageFrom(0, 1000);
    expect(events.filter((e) => e.action === 'DISTRIBUTION_DELETE').map((e) => e.distribution)).toEqual(['acme-stable', 'acme-el9']);
    // The codename is free again.
    expect((await call('POST', '/distributions/', { codename: 'acme-el9', format: 'rpm', architectures: ['x86_64'] })).statusCode).toBe(201);
  });
});
