import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

function releaseEntries(release: string): Array<{ sha256: string; size: number; path: string }> {
  const lines = release.split('\n');
  const start = lines.indexOf('SHA256:');
  const out = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ ([0-9a-f]{64})\s+(\d+) (\S+)$/.exec(line);
    if (!m) break;
    out.push({ sha256: m[1], size: Number(m[2]), path: m[3] });
  }
  return out;
}

describe('the serving plane (/repos)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const get = (url: string, headers: Record<string, string> = {}) => srv.app.inject({ method: 'GET', url, headers });

  it('publishes every default distribution at first start, signed', async () => {
    for (const codename of ['jammy', 'noble', 'focal', 'bookworm', 'trixie']) {
      const res = await get(`/repos/dists/${codename}/InRelease`);
      expect(res.statusCode).toBe(200);
      expect(res.body).toMatch(/^-----BEGIN PGP SIGNED MESSAGE-----/);
      expect(res.body).toContain(`Codename: ${codename}`);
    }
    for (const codename of ['almalinux8', 'almalinux9', 'rocky8', 'rocky9', 'centos-stream9', 'fedora']) {
      for (const arch of ['x86_64', 'aarch64', 'noarch']) {
        expect((await get(`/repos/${codename}/${arch}/repodata/repomd.xml`)).statusCode).toBe(200);
        expect((await get(`/repos/${codename}/${arch}/repodata/repomd.xml.asc`)).body).toMatch(/BEGIN PGP SIGNATURE/);
      }
    }
  });

  it('lists in Release exactly the bytes it serves (plain and by-hash)', async () => {
    const release = (await get('/repos/dists/jammy/Release')).body;
    expect(release).toMatch(/^Acquire-By-Hash: yes$/m);
    expect(release).toMatch(/^Date: .+ UTC$/m);
    expect(release).not.toMatch(/[ \t]$/m);
    const entries = releaseEntries(release);
    expect(entries.map((e) => e.path)).toEqual(expect.arrayContaining(['main/binary-amd64/Packages', 'main/binary-amd64/Packages.gz', 'main/binary-amd64/Packages.xz', 'main/binary-arm64/Packages', 'main/Contents-amd64.gz']));
    for (const e of entries) {
      const plain = await get(`/repos/dists/jammy/${e.path}`);
      expect(plain.statusCode, e.path).toBe(200);
      expect(plain.rawPayload.length).toBe(e.size);
      expect(sha256(plain.rawPayload)).toBe(e.sha256);
      const dir = e.path.slice(0, e.path.lastIndexOf('/'));
      const byHash = await get(`/repos/dists/jammy/${dir}/by-hash/SHA256/${e.sha256}`);
      expect(byHash.statusCode).toBe(200);
      expect(sha256(byHash.rawPayload)).toBe(e.sha256);
    }
  });

  it('answers conditional and range requests', async () => {
    const full = await get('/repos/dists/jammy/Release');
    const etag = full.headers.etag as string;
    expect(etag).toBe(`"${sha256(full.rawPayload)}"`);
    expect(full.headers['last-modified']).toBeTruthy();
    expect((await get('/repos/dists/jammy/Release', { 'if-none-match': etag })).statusCode).toBe(304);
    const part = await get('/repos/dists/jammy/Release', { range: 'bytes=10-19' });
    expect(part.statusCode).toBe(206);
    expect(part.headers['content-range']).toBe(`bytes 10-19/${full.rawPayload.length}`);
    expect(part.rawPayload.equals(full.rawPayload.subarray(10, 20))).toBe(true);
    const suffix = await get('/repos/dists/jammy/Release', { range: 'bytes=-5' });
    expect(suffix.rawPayload.equals(full.rawPayload.subarray(-5))).toBe(true);
    expect((await get('/repos/dists/jammy/Release', { range: `bytes=${full.rawPayload.length + 5}-` })).statusCode).toBe(416);
    const head = await srv.app.inject({ method: 'HEAD', url: '/repos/dists/jammy/Release' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-length']).toBe(String(full.rawPayload.length));
    expect(head.rawPayload.length).toBe(0);
  });

  it('serves the public key armored and binary', async () => {
    const asc = await get('/repos/key.asc');
    expect(asc.body).toMatch(/^-----BEGIN PGP PUBLIC KEY BLOCK-----/);
    const bin = await get('/repos/key.gpg');
    expect(bin.rawPayload[0] & 0x80).toBe(0x80); // an OpenPGP packet, not armor
  });

  it('answers 404 for unknown paths and never walks the filesystem', async () => {
    for (const url of [
      '/repos/dists/jammy/../../../etc/passwd',
      '/repos/dists/jammy/%2e%2e/%2e%2e/etc/passwd',
      '/repos/dists/nosuch/InRelease',
      `/repos/dists/jammy/main/binary-amd64/by-hash/SHA256/${'0'.repeat(64)}`,
      '/repos/pool/main/h/hello/hello_1.0_amd64.deb',
      '/repos/almalinux9/x86_64/Packages/none-1-1.noarch.rpm',
      '/repos/almalinux9/x86_64/repodata/../../../../etc/passwd',
      '/repos/blobs/sha256',
      '/repos/',
    ]) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(404);
      expect(res.json().code).toBe('NOT_FOUND');
    }
  });

  it.skipIf(skipWithout(['dpkg-deb']))('keeps superseded index files fetchable by hash after a new publication', async () => {
    const before = releaseEntries((await get('/repos/dists/noble/Release')).body).find((e) => e.path === 'main/binary-amd64/Packages.xz')!;
    const body = multipart({ distribution: 'noble' }, { filename: 'graceful.deb', content: buildDeb({ name: 'graceful', version: '1' }) });
    const up = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(up.statusCode).toBe(200);
    const after = releaseEntries((await get('/repos/dists/noble/Release')).body).find((e) => e.path === 'main/binary-amd64/Packages.xz')!;
    expect(after.sha256).not.toBe(before.sha256);
    const old = await get(`/repos/dists/noble/main/binary-amd64/by-hash/SHA256/${before.sha256}`);
    expect(old.statusCode).toBe(200);
    expect(sha256(old.rawPayload)).toBe(before.sha256);
    const contents = gunzipSync((await get('/repos/dists/noble/main/Contents-amd64.gz')).rawPayload).toString();
    expect(contents).toMatch(/^usr\/bin\/graceful\s+utils\/graceful$/m);
  });

  it.skipIf(skipWithout(['dpkg-deb']))('never answers 304 for an InRelease replaced within the same second', async () => {
    const first = await get('/repos/dists/focal/InRelease');
    const body = multipart({ distribution: 'focal' }, { filename: 'quick.deb', content: buildDeb({ name: 'quick', version: '1' }) });
    await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    const again = await get('/repos/dists/focal/InRelease', { 'if-modified-since': first.headers['last-modified'] as string });
    expect(again.statusCode).toBe(200);
    expect(again.body).not.toBe(first.body);
    expect((await get('/repos/dists/focal/InRelease', { 'if-none-match': again.headers.etag as string })).statusCode).toBe(304);
  });
});
