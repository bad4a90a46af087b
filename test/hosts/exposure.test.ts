import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthDeb } from '../../bench/synth.js';
import type { AdvisoryLookup, AdvisoryRange } from '../../src/hosts/advisory-lookup.js';
import { inRange } from '../../src/hosts/exposure.service.js';
import { releaseOf } from '../../src/hosts/os-release.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import type { TestServer } from '../helpers/app.js';

const RANGES: AdvisoryRange[] = [
  { advisoryId: 'USN-9999-1', cve: 'CVE-2024-0001', release: 'jammy', sourceName: 'openssl', binaryNames: ['openssl', 'libssl3'], introduced: null, fixed: '3.0.2-0ubuntu1.10', severity: 'high' },
  { advisoryId: 'DSA-9999-1', cve: 'CVE-2024-0001', release: 'bookworm', sourceName: 'openssl', introduced: '3.0.0', fixed: '3.0.11-1~deb12u2', severity: 'high' },
  { advisoryId: 'ALSA-2024:9999', cve: 'CVE-2024-0001', release: 'almalinux9', sourceName: 'openssl', introduced: null, fixed: '1:3.0.7-27.el9', severity: 'medium' },
  { advisoryId: 'USN-8888-1', cve: 'CVE-2024-0002', release: 'jammy', sourceName: 'curl', introduced: null, fixed: null, severity: 'low' },
];

/** The fake advisory store: exactly the query interface the security area implements. */
const fake: AdvisoryLookup = {
  advisoriesFor: async (cve) => RANGES.filter((r) => r.cve === cve),
  affectedRanges: async (release, sources) => RANGES.filter((r) => r.release === release && sources.includes(r.sourceName)),
};

let srv: TestServer & { url: string };
let jwt: string;
const ids: Record<string, number> = {};
const admin = { username: 'admin', role: 'admin' };

async function host(name: string, os: string, version: string, family: string, env: string, packages: [string, string][]) {
  const c = srv.container;
  const { host: h } = await c.hosts.registry.register(admin, { hostname: name, ip: '' });
  await c.hosts.registry.updateStatus(h, { os, osVersion: version, osFamily: family, env });
  const fresh = (await c.stores.hosts.getById(h.id))!;
  await c.hosts.inventory.putInstalled(fresh, packages.map(([n, v]) => ({ name: n.split(':')[0]!, arch: n.split(':')[1] ?? '', version: v })));
  ids[name] = h.id;
}

async function get(url: string) {
  const res = await fetch(`${srv.url}${url}`, { headers: { authorization: `Bearer ${jwt}` } });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  srv = await startListeningServer();
  jwt = await srv.token();
  srv.container.hosts.exposure.useAdvisories(fake);
  await host('a.example', 'ubuntu', '22.04', 'Debian', 'prod', [['openssl', '3.0.2-0ubuntu1.9'], ['libssl3', '3.0.2-0ubuntu1.9'], ['libssl3:i386', '3.0.2-0ubuntu1.9'], ['curl', '7.81.0-1ubuntu1.15']]);
  await host('b.example', 'ubuntu', '22.04', 'Debian', 'prod', [['openssl', '3.0.2-0ubuntu1.12'], ['libssl3', '3.0.2-0ubuntu1.12']]);
  await host('c.example', 'debian', '12', 'Debian', 'preprod', [['openssl', '3.0.11-1~deb12u1']]);
  await host('d.example', 'ubuntu', '24.04', 'Debian', 'prod', [['openssl', '3.0.13-0ubuntu3']]);
  await host('e.example', 'AlmaLinux', '9.4', 'Redhat', 'prod', [['openssl', '1:3.0.7-24.el9']]);
  const up = await uploadOverHttp(srv.url, jwt, 'jammy', 'openssl_3.0.2-0ubuntu1.10_amd64.deb', synthDeb('openssl', '3.0.2-0ubuntu1.10'));
  expect(up.status).toBeLessThan(300);
});
afterAll(async () => srv?.close());

describe('fleet exposure', () => {
  it('maps reported OS versions to release names', () => {
    expect(releaseOf('ubuntu', '22.04')).toBe('jammy');
    expect(releaseOf('debian', '12')).toBe('bookworm');
    expect(releaseOf('AlmaLinux', '9.4')).toBe('almalinux9');
    expect(releaseOf('Rocky Linux', '8.10')).toBe('rocky8');
  });

  it('applies version ranges with each format’s ordering', () => {
    expect(inRange('deb', '3.0.2-0ubuntu1.9', { introduced: null, fixed: '3.0.2-0ubuntu1.10' })).toBe(true);
    expect(inRange('deb', '3.0.2-0ubuntu1.10', { introduced: null, fixed: '3.0.2-0ubuntu1.10' })).toBe(false);
    expect(inRange('deb', '2.9', { introduced: '3.0.0', fixed: null })).toBe(false);
    expect(inRange('rpm', '1:3.0.7-24.el9', { introduced: null, fixed: '1:3.0.7-27.el9' })).toBe(true);
    expect(inRange('rpm', '3.0.9-1.el9', { introduced: null, fixed: '1:3.0.7-27.el9' })).toBe(true);
  });

  it('counts a fix only where the host\'s environment serves it', async () => {
    const before = await get('/api/v1/security/exposure?cve=CVE-2024-0001');
    const a = before.body.items.filter((i: any) => i.hostname === 'a.example');
    expect(a.map((i: any) => i.fix_repositories)).toEqual([[], [], []]);
    // the fix is in jammy's newest snapshot; prod now points there
    const c = srv.container;
    const jammy = (await c.stores.repositories.getByName('jammy'))!;
    await c.publisher.settle(jammy.id);
    const head = (await c.stores.repositories.getByName('jammy'))!.headSnapshot;
    await c.envs.environments.point(admin, jammy, 'prod', head);
  });

  it('lists the hosts exposed to a CVE, per release, with the fixed version and where it already is', async () => {
    const res = await get('/api/v1/security/exposure?cve=CVE-2024-0001');
    expect(res.status).toBe(200);
    const rows = res.body.items.map((i: any) => `${i.hostname} ${i.package}:${i.arch} ${i.installed_version} < ${i.fixed_version} [${i.fix_repositories}]`);
    expect(rows).toEqual([
      'a.example libssl3: 3.0.2-0ubuntu1.9 < 3.0.2-0ubuntu1.10 [jammy]',
      'a.example libssl3:i386 3.0.2-0ubuntu1.9 < 3.0.2-0ubuntu1.10 [jammy]',
      'a.example openssl: 3.0.2-0ubuntu1.9 < 3.0.2-0ubuntu1.10 [jammy]',
      'c.example openssl: 3.0.11-1~deb12u1 < 3.0.11-1~deb12u2 []',
      'e.example openssl: 1:3.0.7-24.el9 < 1:3.0.7-27.el9 []',
    ]);
    expect(res.body.hosts).toBe(3);
    expect(res.body.items[0]).toMatchObject({ release: 'jammy', environment: 'prod', advisory: 'USN-9999-1', severity: 'high', fix_available: true });
    expect(res.body.items[3]).toMatchObject({ release: 'bookworm', environment: 'preprod', fix_available: false });
  });

  it('answers by package, and per host', async () => {
    const byPkg = await get('/api/v1/security/exposure?package=openssl');
    expect(new Set(byPkg.body.items.map((i: any) => i.hostname))).toEqual(new Set(['a.example', 'c.example', 'e.example']));
    const curl = await get('/api/v1/security/exposure?package=curl');
    expect(curl.body.items.map((i: any) => [i.hostname, i.cve, i.fixed_version])).toEqual([['a.example', 'CVE-2024-0002', null]]);

    const a = await get(`/api/v1/hosts/${ids['a.example']}/vulnerabilities`);
    expect(a.status).toBe(200);
    expect(a.body.items.map((i: any) => `${i.package}:${i.arch} ${i.cve}`)).toEqual(['curl: CVE-2024-0002', 'libssl3: CVE-2024-0001', 'libssl3:i386 CVE-2024-0001', 'openssl: CVE-2024-0001']);
    const b = await get(`/api/v1/hosts/${ids['b.example']}/vulnerabilities`);
    expect(b.body).toEqual({ items: [], total: 0 });
    expect((await get('/api/v1/hosts/999999/vulnerabilities')).status).toBe(404);
    expect((await get('/api/v1/security/exposure')).status).toBe(400);
  });

  it('asks the fix locator per environment', async () => {
    const seen: string[] = [];
    srv.container.hosts.exposure.useFixLocator({
      served: async (format, env, names) => {
        seen.push(`${format}/${env}`);
        return env === 'preprod' && names.includes('openssl') ? [{ repository: 'bookworm-security', name: 'openssl', source: 'openssl', version: '3.0.11-1~deb12u2' }] : [];
      },
    });
    const res = await get('/api/v1/security/exposure?cve=CVE-2024-0001');
    expect(res.body.items.map((i: any) => `${i.hostname} [${i.fix_repositories}]`)).toEqual([
      'a.example []',
      'a.example []',
      'a.example []',
      'c.example [bookworm-security]',
      'e.example []',
    ]);
    expect(new Set(seen)).toEqual(new Set(['deb/prod', 'deb/preprod', 'rpm/prod']));
  });

  it('follows the inventory: an upgraded host is no longer exposed', async () => {
    const c = srv.container;
    const a = (await c.stores.hosts.getById(ids['a.example']!))!;
    await c.hosts.inventory.putInstalled(a, [
      { name: 'openssl', arch: '', version: '3.0.2-0ubuntu1.10' },
      { name: 'libssl3', arch: '', version: '3.0.2-0ubuntu1.10' },
      { name: 'libssl3', arch: 'i386', version: '3.0.2-0ubuntu1.10' },
    ]);
    const res = await get('/api/v1/security/exposure?cve=CVE-2024-0001');
    expect(res.body.items.map((i: any) => i.hostname)).toEqual(['c.example', 'e.example']);
  });
});
