import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { debPoolPath, renderPackagesStanza } from '../../../src/formats/apt/packages.js';
import { parseDeb } from '../../../src/formats/deb/deb.parse.js';
import { bufferSource, type DebPackage } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import { blobFacts, buildDeb, downloadDebs, read, sampleControl, removeTempDirs, sampleTree, tempDir, type Z } from '../deb/deb-fixtures.js';

afterAll(removeTempDirs);

/** Control text exercising dpkg's re-capitalisation, ordering and whitespace rules (accepted by dpkg-deb). */
const quirkyControl = [
  'Package : quirky',
  'version: 1.0~rc1+git.2',
  'Architecture: all',
  'X-Custom-field: custom  ',
  'Original-Maintainer: O <o@example.org>',
  'multi-arch: foreign',
  'Maintainer: Q <q@example.org>',
  'Essential: yes',
  'Built-Using: gcc-12 (= 12.2.0-14)',
  'Tag: role::program',
  'XB-Ruby-Versions: all',
  'Homepage: https://example.org/',
  'Whitespace-Only:   ',
  'Description: first line   ',
  ' \tTab indented line',
  ' ..',
  ' .',
  ' café à',
  ' nbsp\u00a0',
  ' trailing   ',
  ' .',
  '',
].join('\n');

/** Splits dpkg-scanpackages output into stanzas keyed by Filename, each ending with "\n". */
function scanpackages(cwd: string, dir: string): Map<string, string> {
  const out = execFileSync('dpkg-scanpackages', ['-m', dir], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const stanzas = new Map<string, string>();
  for (const block of out.split('\n\n')) {
    if (!block.trim()) continue;
    const filename = /^Filename: (.*)$/m.exec(block)?.[1];
    if (!filename) throw new Error(`stanza without Filename: ${block}`);
    stanzas.set(filename, `${block.replace(/\n+$/, '')}\n`);
  }
  return stanzas;
}

/** Field list of a stanza (name, then value with its continuation lines), for a readable diff. */
function fields(stanza: string): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (const line of stanza.replace(/\n$/, '').split('\n')) {
    if (/^[ \t]/.test(line)) out[out.length - 1][1] += `\n${line}`;
    else {
      const i = line.indexOf(':');
      out.push([line.slice(0, i), line.slice(i + 1)]);
    }
  }
  return out;
}

async function expectConformance(cwd: string, dir: string, debs: string[]): Promise<void> {
  const reference = scanpackages(cwd, dir);
  expect(reference.size).toBe(debs.length);
  for (const deb of debs) {
    const filename = `${dir}/${basename(deb)}`;
    const bytes = read(join(cwd, filename));
    const pkg = await parseDeb(bufferSource(bytes));
    const ours = renderPackagesStanza(pkg, blobFacts(bytes), filename);
    const theirs = reference.get(filename) as string;
    expect(fields(ours), filename).toEqual(fields(theirs));
    expect(ours, filename).toBe(theirs);
  }
}

describe.skipIf(skipWithout(['dpkg-deb', 'dpkg-scanpackages']))('renderPackagesStanza against dpkg-scanpackages', () => {
  it('matches for packages built with every compression and with quirky control files', async () => {
    const cwd = tempDir('packages-built');
    const build = join(cwd, 'build');
    const pool = join(cwd, 'pool');
    mkdirSync(build);
    mkdirSync(pool);
    const debs: string[] = [];
    (['gzip', 'xz', 'zstd', 'none'] as Z[]).forEach((z, i) => {
      debs.push(buildDeb(build, `sample-${z}`, sampleControl('sample', `1:2.3-${i + 1}`), sampleTree, z));
    });
    debs.push(buildDeb(build, 'quirky', quirkyControl, [{ path: 'usr/share/quirky/a', content: 'a' }], 'xz'));
    debs.push(
      buildDeb(build, 'libplain1', 'Package: libplain1\nVersion: 0.1\nArchitecture: all\nMaintainer: T <t@example.org>\nDescription: plain\n', [], 'gzip'),
    );
    for (const deb of debs) copyFileSync(deb, join(pool, basename(deb)));
    await expectConformance(cwd, 'pool', debs);
  });
});

describe.skipIf(skipWithout(['apt-get', 'dpkg-scanpackages']))('renderPackagesStanza on real Debian packages', () => {
  let cwd: string;
  let debs: string[] | null = null;
  beforeAll(() => {
    cwd = tempDir('packages-real');
    mkdirSync(join(cwd, 'debs'));
    debs = downloadDebs(join(cwd, 'debs'), ['hello', 'tzdata', 'debconf', 'libzstd1']);
  });

  it('matches dpkg-scanpackages byte for byte', async (ctx) => {
    if (!debs) return ctx.skip('apt-get download is not possible here');
    await expectConformance(cwd, 'debs', debs);
  });
});

describe('debPoolPath', () => {
  const pkg = (over: Partial<DebPackage>): DebPackage => ({
    format: 'deb',
    name: 'hello',
    version: '2.10-3',
    arch: 'amd64',
    source: 'hello',
    sourceVersion: '2.10-3',
    control: [],
    files: [],
    controlCompression: 'xz',
    dataCompression: 'xz',
    ...over,
  });

  it('follows the archive layout', () => {
    expect(debPoolPath(pkg({}), 'main')).toBe('pool/main/h/hello/hello_2.10-3_amd64.deb');
    expect(debPoolPath(pkg({ name: 'libzstd1', source: 'libzstd', version: '1.5.4+dfsg2-5' }), 'main')).toBe(
      'pool/main/libz/libzstd/libzstd1_1.5.4+dfsg2-5_amd64.deb',
    );
    expect(debPoolPath(pkg({ name: 'sample', source: 'sample-src', version: '1:2.3-4', arch: 'all' }), 'contrib')).toBe(
      'pool/contrib/s/sample-src/sample_2.3-4_all.deb',
    );
    expect(debPoolPath(pkg({ source: 'lib' }), 'main')).toBe('pool/main/lib/lib/hello_2.10-3_amd64.deb');
    expect(debPoolPath(pkg({}), 'updates/main')).toBe('pool/updates/main/h/hello/hello_2.10-3_amd64.deb');
  });

  it('refuses components that are not plain path segments', () => {
    for (const component of ['', '..', '../main', '/main', 'main/', 'ma in', 'main/../x', 'a\nb']) {
      expect(() => debPoolPath(pkg({}), component)).toThrow(AppError);
    }
  });
});

describe('renderPackagesStanza', () => {
  it('overrides checksum fields carried by the control file and refuses control characters in Filename', () => {
    const pkg: DebPackage = {
      format: 'deb',
      name: 'x1',
      version: '1',
      arch: 'all',
      source: 'x1',
      sourceVersion: '1',
      control: [
        ['Package', 'x1'],
        ['Version', '1'],
        ['Architecture', 'all'],
        ['Size', '999'],
        ['SHA256', 'bogus'],
        ['Description', 'd\n .'],
      ],
      files: [],
      controlCompression: 'gzip',
      dataCompression: 'gzip',
    };
    const blob = { size: 10, md5: 'm', sha1: 's1', sha256: 's256' };
    expect(renderPackagesStanza(pkg, blob, 'pool/main/x/x1/x1_1_all.deb')).toBe(
      'Package: x1\nVersion: 1\nArchitecture: all\nFilename: pool/main/x/x1/x1_1_all.deb\nSize: 10\nMD5sum: m\nSHA1: s1\nSHA256: s256\nDescription: d\n',
    );
    expect(() => renderPackagesStanza(pkg, blob, 'pool/x\nPackage: evil')).toThrow(AppError);
  });
});
