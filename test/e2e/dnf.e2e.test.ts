import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildRpm } from '../helpers/build-packages.js';
import { DnfSandbox } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/rpm');

describe.skipIf(skipWithout(['dnf', 'rpmbuild']))('dnf against a published distribution', () => {
  let srv: TestServer & { url: string };
  let dnf: DnfSandbox;
  const fixtures = readdirSync(FIXTURES).filter((f) => f.endsWith('.rpm'));

  beforeAll(async () => {
    srv = await startListeningServer();
    const token = await srv.token();
    for (const f of fixtures) {
      const up = await uploadOverHttp(srv.url, token, 'almalinux9', f, readFileSync(path.join(FIXTURES, f)));
      expect(up.status, JSON.stringify(up.body)).toBe(200);
    }
    const own = buildRpm({ name: 'pky-arch', version: '1.0', arch: 'x86_64', requires: 'bear' });
    expect((await uploadOverHttp(srv.url, token, 'almalinux9', 'pky-arch.rpm', own)).status).toBe(200);
    dnf = new DnfSandbox(`${srv.url}/repos/almalinux9/$basearch/`, `${srv.url}/repos/key.asc`);
  });
  afterAll(async () => srv?.close());

  it('makecache verifies the signed repomd.xml', async () => {
    const r = await dnf.dnf(['makecache']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
  });

  it('repoquery lists every uploaded package, noarch included in the x86_64 tree', async () => {
    const r = await dnf.dnf(['repoquery', '--qf', '%{name}-%{version}-%{release}.%{arch}']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => /\.(noarch|x86_64)$/.test(l));
    expect(lines).toContain('bear-4.1-1.noarch');
    expect(lines).toContain('pky-arch-1.0-1.x86_64');
    // two versions of duck and kangaroo coexist
    expect(lines.filter((l) => l.startsWith('duck-')).length).toBe(3);
    expect(lines.length).toBe(fixtures.length + 1);
  });

  it('download fetches a package with gpgcheck on the repository metadata and resolves requires', async () => {
    const dest = path.join(dnf.dir, 'dl');
    const r = await dnf.dnf(['download', '--resolve', `--destdir=${dest}`, 'pky-arch']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(dest).sort()).toEqual(['bear-4.1-1.noarch.rpm', 'pky-arch-1.0-1.x86_64.rpm']);
    expect(readFileSync(path.join(dest, 'bear-4.1-1.noarch.rpm')).equals(readFileSync(path.join(FIXTURES, 'bear-4.1-1.noarch.rpm')))).toBe(true);
  });

  it('repoquery --requires and --provides come from primary.xml', async () => {
    const r = await dnf.dnf(['repoquery', '--requires', 'pky-arch']);
    expect(r.stdout).toMatch(/^bear$/m);
  });
});
