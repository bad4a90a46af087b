import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRpm } from '../../../src/formats/rpm/rpm.parse.js';
import { filelistsHead, filelistsTail, renderFilelistsPackage } from '../../../src/formats/rpmmd/filelists.js';
import { otherHead, otherTail, renderOtherPackage, selectChangelogs } from '../../../src/formats/rpmmd/other.js';
import { compareLibcDeps, primaryHead, primaryRequires, primaryTail, renderPrimaryPackage } from '../../../src/formats/rpmmd/primary.js';
import { rpmvercmp } from '../../../src/formats/version/rpm.js';
import { renderRepomd } from '../../../src/formats/rpmmd/repomd.js';
import { escapeXml, escapeXmlAttr } from '../../../src/formats/rpmmd/xml.js';
import { type BlobFacts, type RpmDep, type RpmPackage, bufferSource } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import { type BuiltRpms, buildTestRpms, fixtureFiles } from '../rpm/rpm-builders.js';

type Node = Record<string, unknown>;
type Kind = 'primary' | 'filelists' | 'other';
const KINDS: Kind[] = ['primary', 'filelists', 'other'];

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (name) => ['package', 'rpm:entry', 'file', 'changelog', 'data'].includes(name),
});
const packagesOf = (doc: string) => {
  const [, root] = Object.entries(xml.parse(doc) as Node).find(([k]) => k !== '?xml') as [string, Node];
  return root.package as Node[];
};

function blobFacts(buf: Buffer): BlobFacts {
  const digest = (algo: string) => createHash(algo).update(buf).digest('hex');
  return { size: buf.length, sha256: digest('sha256'), sha1: digest('sha1'), md5: digest('md5') };
}

describe.skipIf(skipWithout(['createrepo_c', 'rpmbuild']))('rpm-md documents match createrepo_c 0.17', () => {
  let built: BuiltRpms;
  let repo: string;
  const theirs = {} as Record<Kind, string>;
  const ours = {} as Record<Kind, string>;
  let repomd: string;

  beforeAll(async () => {
    built = await buildTestRpms();
    repo = mkdtempSync(path.join(os.tmpdir(), 'packyard-rpmmd-'));
    for (const file of [...fixtureFiles(), ...Object.values(built.files)]) copyFileSync(file, path.join(repo, path.basename(file)));
    execFileSync('createrepo_c', ['--no-database', repo], { stdio: 'ignore' });
    const repodata = path.join(repo, 'repodata');
    repomd = readFileSync(path.join(repodata, 'repomd.xml'), 'utf8');
    for (const kind of KINDS) {
      const gz = readdirSync(repodata).find((f) => f.endsWith(`-${kind}.xml.gz`)) ?? '';
      theirs[kind] = gunzipSync(readFileSync(path.join(repodata, gz))).toString('utf8');
    }
    // Render ours in createrepo_c's package order, each with the mtime createrepo_c saw as its file time.
    const hrefs = packagesOf(theirs.primary).map((p) => (p.location as Node)['@href'] as string);
    const parts = { primary: [primaryHead(hrefs.length)], filelists: [filelistsHead(hrefs.length)], other: [otherHead(hrefs.length)] };
    for (const href of hrefs) {
      const file = path.join(repo, href);
      const buf = readFileSync(file);
      const blob = blobFacts(buf);
      const pkg = await parseRpm(bufferSource(buf));
      parts.primary.push(renderPrimaryPackage(pkg, blob, href, Math.floor(statSync(file).mtimeMs / 1000)));
      parts.filelists.push(renderFilelistsPackage(pkg, blob.sha256));
      parts.other.push(renderOtherPackage(pkg, blob.sha256));
    }
    parts.primary.push(primaryTail());
    parts.filelists.push(filelistsTail());
    parts.other.push(otherTail());
    for (const kind of KINDS) ours[kind] = parts[kind].join('');
  });
  afterAll(() => {
    for (const dir of [repo, built?.dir]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('indexes every fixture and built package', () => {
    expect(packagesOf(theirs.primary)).toHaveLength(fixtureFiles().length + Object.keys(built.files).length);
  });

  it.each(KINDS)('%s.xml agrees package by package (checksums, sizes, header range, dependencies, files, changelogs)', (kind) => {
    const key = (p: Node) => (kind === 'primary' ? ((p.checksum as Node)['#text'] as string) : (p['@pkgid'] as string));
    const mine = new Map(packagesOf(ours[kind]).map((p) => [key(p), p]));
    const reference = packagesOf(theirs[kind]);
    expect(mine.size).toBe(reference.length);
    for (const p of reference) expect(mine.get(key(p)), `${kind} ${key(p)}`).toEqual(p);
  });

  it.each(KINDS)('%s.xml is byte-identical and well-formed', (kind) => {
    expect(XMLValidator.validate(ours[kind])).toBe(true);
    expect(ours[kind]).toBe(theirs[kind]);
  });

  it('keeps what createrepo_c keeps of the kitchen-sink package', () => {
    const kitchen = packagesOf(ours.primary).find((p) => p.name === 'kitchen' && p.arch === 'noarch') as Node;
    const format = kitchen.format as Node;
    const requires = ((format['rpm:requires'] as Node)['rpm:entry'] as Node[]).map((e) => `${e['@name']}${e['@pre'] ? ' pre' : ''}`);
    expect(requires).toContain('selfdep'); // ">= 0.5" is not satisfied by the own "= 1.0-1" provide in createrepo_c's eyes
    expect(requires.filter((r) => r.startsWith('selfdep'))).toHaveLength(1);
    expect(requires).not.toContain('/etc/kitchen.conf'); // an own primary file
    expect(requires).toContain('/usr/share/kitchen/data.txt'); // an own file, but not a primary one
    expect(requires.some((r) => r.startsWith('rpmlib('))).toBe(false);
    expect(requires.at(-1)).toBe('libc.so.6(GLIBC_2.14)(64bit)');
    expect(requires.filter((r) => r.startsWith('/bin/sh'))).toEqual(['/bin/sh', '/bin/sh pre', '/bin/sh']);
    const other = packagesOf(ours.other).find((p) => p['@name'] === 'kitchen' && p['@arch'] === 'noarch') as Node;
    const dates = (other.changelog as Node[]).map((c) => Number(c['@date']));
    expect(dates).toHaveLength(10);
    expect(dates.slice(-3)).toEqual([dates[7], dates[7] + 1, dates[7] + 2]); // three entries of one day, spread out
  });

  it('renders repomd.xml exactly as createrepo_c does from the same records', () => {
    const doc = xml.parse(repomd).repomd as Node;
    const records = (doc.data as Node[]).map((d) => ({
      type: d['@type'] as Kind,
      checksum: (d.checksum as Node)['#text'] as string,
      openChecksum: (d['open-checksum'] as Node)['#text'] as string,
      size: Number(d.size),
      openSize: Number(d['open-size']),
      timestamp: Number(d.timestamp),
      location: (d.location as Node)['@href'] as string,
    }));
    const rendered = renderRepomd({ revision: String(doc.revision), records: [...records].reverse() });
    expect(rendered).toBe(repomd);
    expect(XMLValidator.validate(rendered)).toBe(true);
  });
});

// ---- unit tests: the rules above on hand-made input, no tools needed ---------------------------------------

const dep = (name: string, flags: RpmDep['flags'] = null, evr = '', pre = false): RpmDep => {
  const [, epoch = null, version = null, release = null] = /^(?:([^:]*):)?([^-]*)(?:-(.*))?$/.exec(evr) ?? [];
  return { name, flags, epoch, version: evr === '' ? null : version, release, pre };
};

function makePackage(over: Partial<RpmPackage> = {}): RpmPackage {
  return {
    format: 'rpm', name: 'p', epoch: 0, version: '1', release: '1', arch: 'noarch', sourceRpm: 'p-1-1.src.rpm', source: 'p',
    summary: '', description: '', license: '', vendor: '', group: '', url: '', packager: '', buildTime: 0, buildHost: '',
    installedSize: 0, archiveSize: 0, headerRange: { start: 0, end: 0 }, requires: [], provides: [], conflicts: [],
    obsoletes: [], recommends: [], suggests: [], supplements: [], enhances: [], files: [], changelogs: [],
    payloadCompressor: 'gzip', signature: { kind: 'none', keyId: null }, ...over,
  };
}

describe('xml escaping', () => {
  it('escapes text like libxml2 and drops characters XML 1.0 cannot carry', () => {
    expect(escapeXml('a & b < c > d "q" \'s\' \t\n\r')).toBe('a &amp; b &lt; c &gt; d "q" \'s\' \t\n&#13;');
    expect(escapeXml('nul\u0000 bell\u0007 esc\u001b c1\u0085 lone\ud800 fffe\ufffe ok\u{1f600}é')).toBe('nul bell esc c1 lone fffe ok\u{1f600}é');
  });

  it('escapes attributes like libxml2 without an encoding: quotes, whitespace and non-ASCII as references', () => {
    expect(escapeXmlAttr('J\u00f6rg "x" <y> & \t\n\r ☕ \u{1f600}')).toBe('J&#xF6;rg &quot;x&quot; &lt;y&gt; &amp; &#9;&#10;&#13; &#x2615; &#x1F600;');
    expect(escapeXmlAttr('bad\u0001')).toBe('bad');
  });

  it('keeps Latin-1 characters from U+00A0 to U+00BF, which createrepo_c drops (a documented deviation)', () => {
    const pkg = makePackage({ changelogs: [{ author: 'A', date: 1, text: '\u00a9 caf\u00e9 \u0093q\u0094' }] });
    expect(renderOtherPackage(pkg, 'id')).toContain('>\u00a9 caf\u00e9 q</changelog>');
  });
});

describe('primary.xml dependency rules', () => {
  it('drops rpmlib(), own primary files, exactly self-provided requires and repeats; keeps the highest libc', () => {
    const pkg = makePackage({
      files: [{ path: '/etc/p.conf', type: 'file', size: 1, mode: 0o100644, flags: 0 }, { path: '/usr/share/p', type: 'file', size: 1, mode: 0o100644, flags: 0 }],
      provides: [dep('cap', 'EQ', '1.0-1'), dep('bad', 'EQ', 'x:1')],
      requires: [
        dep('rpmlib(X)', 'LE', '1-1'), dep('/etc/p.conf'), dep('/usr/share/p'), dep('cap', 'EQ', '1.0-1'), dep('cap', 'GE', '1.0'),
        dep('libc.so.6(GLIBC_2.17)(64bit)'), dep('dup', null, '', true), dep('dup', null, '', true), dep('dup'),
        dep('libc.so.6(GLIBC_2.34)(64bit)'), dep('libc.so.6()(64bit)'), dep('odd', 'GE', 'abc:1'), dep('bad', 'EQ', 'x:1'),
      ],
    });
    expect(primaryRequires(pkg).map((d) => `${d.name}${d.pre ? '+pre' : ''}`)).toEqual([
      '/usr/share/p', 'cap', 'dup+pre', 'dup', 'libc.so.6(GLIBC_2.34)(64bit)',
    ]);
    const xmlText = renderPrimaryPackage(pkg, { size: 1, sha256: 'x', sha1: 'y', md5: 'z' }, 'p.rpm', 5);
    expect(xmlText).toContain('<rpm:entry name="cap" flags="EQ" epoch="0" ver="1.0" rel="1"/>'); // missing epoch reads 0
    expect(xmlText).not.toContain('name="bad"'); // a non-numeric epoch is skipped everywhere
  });

  it('compares versions like rpmvercmp', () => {
    const cases: Array<[string, string, number]> = [
      ['1.0', '1.0', 0], ['1.0', '2.0', -1], ['2.0.1', '2.0', 1], ['1.0a', '1.0', 1], ['1.0~rc1', '1.0', -1],
      ['1.0^git1', '1.0', 1], ['1.0^git1', '1.0.1', -1], ['1.0~rc1^git1', '1.0~rc1', 1], ['10', '9', 1],
      ['010', '10', 0], ['a', '1', -1], ['1_0', '1.0', 0], ['2.14', '2.2.5', 1],
    ];
    for (const [a, b, r] of cases) expect(rpmvercmp(a, b), `${a} vs ${b}`).toBe(r);
    expect(compareLibcDeps('libc.so.6()(64bit)', 'libc.so.6(GLIBC_2.3)(64bit)')).toBe(2);
  });
});

describe('other.xml changelog selection', () => {
  const log = (date: number, author = 'a') => ({ author, date, text: String(date) });
  it('keeps the newest N, oldest first, and spreads equal timestamps', () => {
    const picked = selectChangelogs([log(30, 'x  '), log(30), log(30), log(20), log(10)], 4);
    expect(picked.map((c) => c.date)).toEqual([20, 30, 31, 32]);
    expect(picked[3].author).toBe('x');
    expect(selectChangelogs([log(3), log(2), log(1)], -1)).toHaveLength(3);
  });
});

describe('repomd.xml', () => {
  it('orders records primary, filelists, other', () => {
    const rec = (type: 'primary' | 'filelists' | 'other') => ({ type, checksum: 'c', openChecksum: 'o', size: 1, openSize: 2, timestamp: 3, location: `repodata/c-${type}.xml.gz` });
    const out = renderRepomd({ revision: '3', records: [rec('other'), rec('primary'), rec('filelists')] });
    expect([...out.matchAll(/<data type="(\w+)">/g)].map((m) => m[1])).toEqual(['primary', 'filelists', 'other']);
    expect(out.endsWith('</repomd>\n')).toBe(true);
  });
});
