import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { AptSandbox, DnfSandbox } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

type Snap = { id: number; number: number };

describe.skipIf(skipWithout(['apt-get', 'dpkg-deb', 'gpgv', 'dnf', 'rpmbuild']))('apt-get and dnf against environment serving paths', () => {
  let srv: TestServer & { url: string };
  let token: string;
  let keyring: Buffer;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${srv.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as any };
  };
  const snaps = async (repo: string): Promise<Snap[]> => (await api('GET', `/api/v1/repositories/${repo}/snapshots`)).body;

  beforeAll(async () => {
    srv = await startListeningServer();
    token = await srv.token();
    for (const [name, version] of [['pky-env', '1.0'], ['pky-env', '2.0'], ['pky-new', '1.0']]) {
      const up = await uploadOverHttp(srv.url, token, 'jammy', `${name}_${version}.deb`, buildDeb({ name, version }));
      expect(up.status, JSON.stringify(up.body)).toBe(200);
    }
    for (const [name, version] of [['pky-rpm', '1.0'], ['pky-rpm', '2.0']]) {
      const up = await uploadOverHttp(srv.url, token, 'almalinux9', `${name}-${version}.rpm`, buildRpm({ name, version, arch: 'x86_64' }));
      expect(up.status, JSON.stringify(up.body)).toBe(200);
    }
    keyring = Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer());
  });
  afterAll(async () => srv?.close());

  it('apt follows prod: pointed at an older snapshot it sees the older package set', async () => {
    const [, , first] = await snaps('jammy');
    expect((await api('PUT', '/api/v1/repositories/jammy/environments/prod', { snapshot: first.number })).status).toBe(200);
    const prod = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repo/deb/jammy/jammy/main/prod jammy main`, keyring);
    const u = await prod.apt(['update']);
    expect(u.status, u.stdout + u.stderr).toBe(0);
    expect(u.stderr).not.toMatch(/NO_PUBKEY|not signed|W: /);
    expect((await prod.aptCache(['policy', 'pky-env'])).stdout).toMatch(/Candidate: 1\.0/);
    expect((await prod.aptCache(['show', 'pky-new'])).status).not.toBe(0);
    const i = await prod.apt(['install', '--download-only', 'pky-env']);
    expect(i.status, i.stdout + i.stderr).toBe(0);
    expect(readdirSync(path.join(prod.dir, 'cache/archives'))).toContain('pky-env_1.0_amd64.deb');

    const current = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repo/deb/jammy/jammy/main/current jammy main`, keyring);
    expect((await current.apt(['update'])).status).toBe(0);
    expect((await current.aptCache(['policy', 'pky-env'])).stdout).toMatch(/Candidate: 2\.0/);
    expect((await current.apt(['install', '--download-only', 'pky-new'])).status).toBe(0);

    // moving prod forward is seen on the next update
    const [head] = await snaps('jammy');
    expect((await api('PUT', '/api/v1/repositories/jammy/environments/prod', { snapshot: head.number })).status).toBe(200);
    expect((await prod.apt(['update'])).status).toBe(0);
    expect((await prod.aptCache(['policy', 'pky-env'])).stdout).toMatch(/Candidate: 2\.0/);
  });

  it('a pool file outside the environment snapshot is not served', async () => {
    const [, , first] = await snaps('jammy');
    await api('PUT', '/api/v1/repositories/jammy/environments/preprod', { snapshot: first.number });
    const base = `${srv.url}/repo/deb/jammy/jammy/main`;
    expect((await fetch(`${base}/preprod/pool/main/p/pky-new/pky-new_1.0_amd64.deb`)).status).toBe(404);
    const ok = await fetch(`${base}/current/pool/main/p/pky-new/pky-new_1.0_amd64.deb`, { headers: { range: 'bytes=0-7' } });
    expect(ok.status).toBe(206);
    expect(Buffer.from(await ok.arrayBuffer()).toString('latin1')).toBe('!<arch>\n');
    expect(ok.headers.get('etag')).toMatch(/^"[0-9a-f]{64}"$/);
  });

  it('dnf makecache with gpgcheck and repo_gpgcheck on prod, pointed at the older rpm snapshot', async () => {
    const [, first] = await snaps('almalinux9');
    const env = await api('PATCH', '/api/v2/environment/prod/point?wait=true', { snapshot: first.id });
    expect(env.status, JSON.stringify(env.body)).toBe(200);
    const dnf = new DnfSandbox(`${srv.url}/repo/rpm/almalinux9/9/prod/$basearch/`, `${srv.url}/repos/key.asc`);
    const m = await dnf.dnf(['makecache']);
    expect(m.status, m.stdout + m.stderr).toBe(0);
    const q = await dnf.dnf(['repoquery', '--qf', '%{name}-%{version}']);
    expect(q.stdout).toMatch(/pky-rpm-1\.0/);
    expect(q.stdout).not.toMatch(/pky-rpm-2\.0/);
    const dest = path.join(dnf.dir, 'dl');
    const d = await dnf.dnf(['download', `--destdir=${dest}`, 'pky-rpm']);
    expect(d.status, d.stdout + d.stderr).toBe(0);
    expect(readdirSync(dest)).toEqual(['pky-rpm-1.0-1.x86_64.rpm']);
  });
});
