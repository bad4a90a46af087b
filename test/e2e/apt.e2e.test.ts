import { readdirSync, readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { AptSandbox, run } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

/** Real Debian packages built by others: fetched from the host's configured Debian mirror. */
function downloadDebianPackages(names: string[]): string[] {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-debs-'));
  const r = run('apt-get', ['download', ...names], { cwd: dir });
  if (r.status !== 0) throw new Error(`apt-get download failed (is apt-get update done?): ${r.stderr}`);
  return readdirSync(dir).map((f) => path.join(dir, f));
}

describe.skipIf(skipWithout(['apt-get', 'dpkg-deb', 'gpgv']))('apt-get against a published distribution', () => {
  let srv: TestServer & { url: string };
  let apt: AptSandbox;
  const real = ['hello', 'debconf', 'libzstd1'];

  beforeAll(async () => {
    srv = await startListeningServer();
    const token = await srv.token();
    const built = [
      buildDeb({ name: 'pky-gz', version: '1.0-1', compression: 'gzip' }),
      buildDeb({ name: 'pky-xz', version: '2:3.4~rc1-1', compression: 'xz', depends: 'pky-gz (>= 1.0)' }),
      buildDeb({ name: 'pky-zst', version: '0.1', compression: 'zstd' }),
      buildDeb({ name: 'pky-all', version: '1.0', arch: 'all', compression: 'none' }),
      buildDeb({ name: 'libpky1', version: '5.0-2', source: 'pky-src (5.0-1)' }),
    ];
    for (const [i, content] of built.entries()) {
      const up = await uploadOverHttp(srv.url, token, 'jammy', `built-${i}.deb`, content);
      expect(up.status, JSON.stringify(up.body)).toBe(200);
    }
    for (const file of downloadDebianPackages(real)) {
      const up = await uploadOverHttp(srv.url, token, 'jammy', path.basename(file), readFileSync(file));
      expect(up.status, JSON.stringify(up.body)).toBe(200);
    }
    const key = Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer());
    apt = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos jammy main`, key);
  });
  afterAll(async () => srv?.close());

  it('apt-get update verifies the signed InRelease and reads every index', async () => {
    const r = await apt.apt(['update']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/NO_PUBKEY|not signed|Hash Sum mismatch|W: /);
  });

  it('installs (download-only) built packages, including dependencies, an epoch and Architecture: all', async () => {
    const r = await apt.apt(['install', '--download-only', 'pky-xz', 'pky-zst', 'pky-all', 'libpky1']);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const archives = readdirSync(path.join(apt.dir, 'cache/archives'));
    expect(archives).toEqual(expect.arrayContaining(['pky-gz_1.0-1_amd64.deb', 'pky-xz_2%3a3.4~rc1-1_amd64.deb', 'pky-zst_0.1_amd64.deb', 'pky-all_1.0_all.deb', 'libpky1_5.0-2_amd64.deb']));
  });

  it('downloads the real Debian packages with matching hashes', async () => {
    const cwd = mkdtempSync(path.join(os.tmpdir(), 'packyard-dl-'));
    const r = await apt.download(cwd, real);
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(cwd).length).toBe(real.length);
  });

  it('apt-cache sees the multi-arch and source fields', async () => {
    const r = await apt.aptCache(['show', 'libzstd1']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Multi-Arch: same$/m);
    const src = await apt.aptCache(['showsrc', 'pky-src']);
    expect(src.status === 0 || src.stdout === '').toBe(true);
    const show = await apt.aptCache(['show', 'libpky1']);
    expect(show.stdout).toMatch(/^Source: pky-src \(5\.0-1\)$/m);
    expect(show.stdout).toMatch(/^Filename: pool\/main\/p\/pky-src\/libpky1_5\.0-2_amd64\.deb$/m);
  });

  it('a client holding another key refuses the repository', async () => {
    const other = run('sh', ['-c', 'd=$(mktemp -d) && gpg --homedir "$d" --batch --passphrase "" --quick-gen-key "Other <o@example.org>" ed25519 sign never 2>/dev/null && gpg --homedir "$d" --export | base64 -w0']);
    const fresh = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos jammy main`, Buffer.from(other.stdout, 'base64'));
    const r = await fresh.apt(['update']);
    expect(r.status).not.toBe(0);
    expect(`${r.stdout}${r.stderr}`).toMatch(/NO_PUBKEY|not signed/);
  });
});
