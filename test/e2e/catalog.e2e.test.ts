import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { AptSandbox, DnfSandbox } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

/** Distributions created through the API, filled by promotion and emptied by deletion, as apt and dnf see them. */
describe.skipIf(skipWithout(['apt-get', 'dpkg-deb', 'gpgv', 'dnf', 'rpmbuild']))('apt-get and dnf on API-managed distributions', () => {
  let srv: TestServer & { url: string };
  let token: string;
  const api = async (method: string, url: string, body?: object) => {
    const res = await fetch(`${srv.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    srv = await startListeningServer();
    token = await srv.token();
    expect((await uploadOverHttp(srv.url, token, 'jammy', 'pky-promo.deb', buildDeb({ name: 'pky-promo', version: '1.0-1' }))).status).toBe(200);
    expect((await uploadOverHttp(srv.url, token, 'almalinux9', 'pky-rpromo.rpm', buildRpm({ name: 'pky-rpromo', version: '2.0' }))).status).toBe(200);
  });
  afterAll(async () => srv?.close());

  it('apt-get uses a new deb distribution at once, then sees promoted and deleted packages', async () => {
    const created = await api('POST', '/api/v1/distributions/', { codename: 'acme', format: 'deb', components: ['main'], architectures: ['amd64'], origin: 'ACME', label: 'ACME' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const key = Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer());
    const apt = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos acme main`, key);
    const empty = await apt.apt(['update']);
    expect(empty.status, empty.stdout + empty.stderr).toBe(0);
    expect(empty.stderr).not.toMatch(/NO_PUBKEY|not signed|W: /);

    const promoted = await api('POST', '/api/v1/distributions/promote', { package: 'pky-promo', from_dist: 'jammy', to_dist: 'acme' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    expect((await apt.apt(['update'])).status).toBe(0);
    const install = await apt.apt(['install', '--download-only', 'pky-promo']);
    expect(install.status, install.stdout + install.stderr).toBe(0);
    expect(readdirSync(path.join(apt.dir, 'cache/archives'))).toContain('pky-promo_1.0-1_amd64.deb');

    expect((await api('DELETE', '/artifacts/pky-promo?distribution=acme')).status).toBe(200);
    expect((await apt.apt(['update'])).status).toBe(0);
    const policy = await apt.aptCache(['policy', 'pky-promo']);
    expect(policy.stdout).not.toMatch(/Candidate: 1\.0-1/);
  });

  it('dnf uses a new rpm distribution at once, then sees a promoted package', async () => {
    const created = await api('POST', '/distributions/', { codename: 'acme-el9', format: 'rpm', architectures: ['x86_64', 'noarch'] });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const dnf = new DnfSandbox(`${srv.url}/repos/acme-el9/$basearch/`, `${srv.url}/repos/key.asc`);
    const empty = await dnf.dnf(['makecache']);
    expect(empty.status, empty.stdout + empty.stderr).toBe(0);

    expect((await api('POST', '/artifacts/pky-rpromo/promote', { from_dist: 'almalinux9', to_dist: 'acme-el9' })).status).toBe(200);
    const q = await dnf.dnf(['repoquery', '--refresh', '--qf', '%{name}-%{version}-%{release}.%{arch}']);
    expect(q.status, q.stderr).toBe(0);
    expect(q.stdout).toContain('pky-rpromo-2.0-1.noarch');
  });
});
