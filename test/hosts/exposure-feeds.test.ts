import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';

// Fleet exposure over advisories imported from a real feed file, not a fake lookup.
const feed = [
  {
    schema_version: '1.6.0',
    id: 'USN-7777-1',
    aliases: ['CVE-2026-7777'],
    modified: '2026-01-01T00:00:00Z',
    summary: 'zlib vulnerability',
    severity: [{ type: 'CVSS_V3', score: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N' }],
    affected: [{ package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'zlib' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:1.2.11.dfsg-2ubuntu9.2' }] }] }],
  },
];
const admin = { username: 'admin', role: 'admin' };

describe('fleet exposure from imported feeds', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  const report = async (name: string, version: string, packages: [string, string][]) => {
    const c = srv.container;
    const { host } = await c.hosts.registry.register(admin, { hostname: name, ip: '' });
    await c.hosts.registry.updateStatus(host, { os: 'Ubuntu', osVersion: version, osFamily: 'Debian', env: 'prod' });
    const fresh = (await c.stores.hosts.getById(host.id))!;
    await c.hosts.inventory.putInstalled(fresh, packages.map(([n, v]) => ({ name: n, arch: '', version: v })));
  };

  beforeAll(async () => {
    srv = await startTestServer();
    auth = { authorization: `Bearer ${await srv.token()}` };
    const f = multipart({ format: 'osv' }, { filename: 'feed.json', content: Buffer.from(JSON.stringify(feed)) });
    expect((await srv.app.inject({ method: 'POST', url: '/security/feeds/import?wait=true', payload: f.payload, headers: { ...f.headers, ...auth } })).statusCode).toBe(200);
    await report('old.example', '22.04', [['zlib', '1:1.2.11.dfsg-2ubuntu9']]);
    await report('patched.example', '22.04', [['zlib', '1:1.2.11.dfsg-2ubuntu9.2']]);
    await report('other-release.example', '24.04', [['zlib', '1:1.2.11.dfsg-2ubuntu9']]);
  });
  afterAll(async () => srv?.close());

  it('finds exactly the hosts of the advisory\'s release below the fixed version', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/api/v1/security/exposure?cve=CVE-2026-7777', headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as Array<{ hostname: string; installed_version: string; fixed_version: string; release: string }>;
    expect(items.map((i) => `${i.hostname} ${i.installed_version} < ${i.fixed_version} (${i.release})`)).toEqual(['old.example 1:1.2.11.dfsg-2ubuntu9 < 1:1.2.11.dfsg-2ubuntu9.2 (jammy)']);
  });

  it('answers by package and per host the same way', async () => {
    const byPackage = await srv.app.inject({ method: 'GET', url: '/api/v1/security/exposure?package=zlib', headers: auth });
    expect(byPackage.json().items.map((i: { hostname: string }) => i.hostname)).toEqual(['old.example']);
  });
});
