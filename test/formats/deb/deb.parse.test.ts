import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeb } from '../../../src/formats/deb/deb.parse.js';
import { bufferSource, type DebPackage } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import {
  arPack,
  arUnpack,
  buildDeb,
  compress,
  downloadDebs,
  dpkgContents,
  read,
  sampleControl,
  sampleTree,
  removeTempDirs,
  tempDir,
  type Z,
} from './deb-fixtures.js';

afterAll(removeTempDirs);

const parse = (buf: Uint8Array) => parseDeb(bufferSource(buf));

function expectMatchesDpkg(pkg: DebPackage, deb: string): void {
  const listed = dpkgContents(deb);
  expect(pkg.files.map((f) => [f.type, f.path, f.mode])).toEqual(listed.map((e) => [e.type, e.path, e.mode]));
  listed.forEach((e, i) => {
    if (e.type === 'file' && !e.hardlink) expect(pkg.files[i].size).toBe(e.size);
  });
}

function dpkgField(deb: string, field: string): string {
  return execFileSync('dpkg-deb', ['-f', deb, field], { encoding: 'utf8' }).replace(/\n$/, '');
}

describe.skipIf(skipWithout(['dpkg-deb', 'xz', 'zstd']))('parseDeb on packages built by dpkg-deb', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('deb-parse');
  });

  for (const z of ['gzip', 'xz', 'zstd', 'none'] as Z[]) {
    it(`reads control fields and the file list (${z})`, async () => {
      const deb = buildDeb(dir, `sample-${z}`, sampleControl(), sampleTree, z);
      const pkg = await parse(read(deb));
      expect(pkg).toMatchObject({
        format: 'deb',
        name: 'sample',
        version: '1:2.3-4',
        arch: 'amd64',
        source: 'sample-src',
        sourceVersion: '2.3-1',
        controlCompression: z,
        dataCompression: z,
      });
      expect(pkg.control.map(([k]) => k)).toEqual([
        'Package', 'Source', 'Version', 'Architecture', 'Maintainer', 'Installed-Size', 'Pre-Depends', 'Depends',
        'Conflicts', 'Breaks', 'Provides', 'Multi-Arch', 'Section', 'Priority', 'Homepage', 'Description',
      ]);
      const field = (n: string) => pkg.control.find(([k]) => k === n)?.[1];
      expect(field('Depends')).toBe('libfoo1 (>= 1.0), bar | baz');
      expect(field('Pre-Depends')).toBe('libc6 (>= 2.36)');
      expect(field('Multi-Arch')).toBe('same');
      expect(field('Description')).toBe(
        'a sample package for tests\n This is the long description.\n .\n It has several paragraphs and an indented\n   verbatim line.',
      );
      for (const name of ['Description', 'Depends', 'Provides', 'Conflicts']) expect(field(name)).toBe(dpkgField(deb, name));
      expectMatchesDpkg(pkg, deb);
      const hard = pkg.files.find((f) => f.path === '/usr/bin/sample-hard');
      expect(hard).toMatchObject({ type: 'file', size: 22 });
      expect(pkg.files.find((f) => f.path === '/usr/bin/sample-link')?.type).toBe('symlink');
      expect(pkg.files.find((f) => f.path === '/usr/share/sample/with space.txt')).toMatchObject({ type: 'file', size: 1, mode: 0o644 });
      expect(pkg.files[0]).toMatchObject({ path: '/', type: 'dir' });
    });
  }

  it('defaults Source to the package and reads Architecture: all', async () => {
    const control = 'Package: plain\nVersion: 0.1\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: plain\n';
    const pkg = await parse(read(buildDeb(dir, 'plain', control, [{ path: 'usr/share/plain/a', content: 'a' }], 'xz')));
    expect(pkg).toMatchObject({ name: 'plain', version: '0.1', arch: 'all', source: 'plain', sourceVersion: '0.1' });
  });

  it('takes the binary version when Source has no version', async () => {
    const control = 'Package: libbar2\nSource: bar\nVersion: 2.0-1\nArchitecture: arm64\nMaintainer: T <t@example.org>\nDescription: bar\n';
    const pkg = await parse(read(buildDeb(dir, 'libbar2', control, [], 'zstd')));
    expect(pkg).toMatchObject({ source: 'bar', sourceVersion: '2.0-1', arch: 'arm64' });
  });

  it('reads mixed compressions, skips "_" members and ignores members after data.tar', async () => {
    const members = arUnpack(read(buildDeb(dir, 'mixed', sampleControl(), sampleTree, 'none')));
    const [binary, control, data] = members;
    const deb = arPack([
      binary,
      { name: '_extra', data: Buffer.from('ignored') },
      { name: 'control.tar.zst', data: compress('zstd', control.data) },
      { name: '_more', data: Buffer.from('x') },
      { name: 'data.tar.gz', data: compress('gzip', data.data) },
      { name: 'trailing-member', data: Buffer.from('ignored too') },
    ]);
    const pkg = await parse(deb);
    expect(pkg.controlCompression).toBe('zstd');
    expect(pkg.dataCompression).toBe('gzip');
    expect(pkg.files.length).toBe(dpkgContents(join(dir, 'mixed.deb')).length);
  });
});

describe.skipIf(skipWithout(['apt-get', 'dpkg-deb']))('parseDeb on real Debian packages', () => {
  let debs: string[] | null = null;
  beforeAll(() => {
    debs = downloadDebs(tempDir('deb-real'), ['hello', 'tzdata', 'debconf', 'libzstd1']);
  });

  it('matches dpkg-deb for hello, tzdata, debconf and libzstd1', async (ctx) => {
    if (!debs) return ctx.skip('apt-get download is not possible here');
    expect(debs.length).toBe(4);
    for (const deb of debs) {
      const pkg = await parse(read(deb));
      expect(pkg.name).toBe(dpkgField(deb, 'Package'));
      expect(pkg.version).toBe(dpkgField(deb, 'Version'));
      expect(pkg.arch).toBe(dpkgField(deb, 'Architecture'));
      expect(pkg.control.find(([k]) => k === 'Description')?.[1]).toBe(dpkgField(deb, 'Description'));
      expectMatchesDpkg(pkg, deb);
    }
    const byName = new Map<string, DebPackage>();
    for (const deb of debs) {
      const pkg = await parse(read(deb));
      byName.set(pkg.name, pkg);
    }
    expect(byName.get('tzdata')?.arch).toBe('all');
    expect(byName.get('libzstd1')?.control.find(([k]) => k === 'Multi-Arch')?.[1]).toBe('same');
    expect(byName.get('libzstd1')?.source).toBe('libzstd');
  });
});
