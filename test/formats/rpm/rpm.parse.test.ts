import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeLenient } from '../../../src/formats/rpm/header.js';
import { parseRpm } from '../../../src/formats/rpm/rpm.parse.js';
import { type RpmDep, type RpmPackage, bufferSource } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import { type BuiltRpms, buildTestRpms, fixtureFiles } from './rpm-builders.js';

const DEP_KINDS = {
  provides: 'PROVIDE', requires: 'REQUIRE', conflicts: 'CONFLICT', obsoletes: 'OBSOLETE',
  recommends: 'RECOMMEND', suggests: 'SUGGEST', supplements: 'SUPPLEMENT', enhances: 'ENHANCE',
} as const;
const SCALARS = {
  name: 'NAME', epoch: 'EPOCHNUM', version: 'VERSION', release: 'RELEASE', arch: 'ARCH', src: 'SOURCEPACKAGE',
  summary: 'SUMMARY', description: 'DESCRIPTION', license: 'LICENSE', vendor: 'VENDOR', group: 'GROUP', url: 'URL',
  packager: 'PACKAGER', buildTime: 'BUILDTIME', buildHost: 'BUILDHOST', sourceRpm: 'SOURCERPM',
  installedSize: 'LONGSIZE', archiveSize: 'LONGARCHIVESIZE', payloadCompressor: 'PAYLOADCOMPRESSOR',
};
const QF = [
  '<pkg>',
  ...Object.entries(SCALARS).map(([k, t]) => `<${k}>%{${t}:xml}</${k}>`),
  '<rsa>%{RSAHEADER:pgpsig}</rsa><dsa>%{DSAHEADER:pgpsig}</dsa>',
  ...Object.entries(DEP_KINDS).map(([k, t]) => `[<${k}><n>%{${t}NAME:xml}</n><f>%{${t}FLAGS:xml}</f><v>%{${t}VERSION:xml}</v></${k}>]`),
  '[<file><p>%{FILENAMES:xml}</p><m>%{FILEMODES:xml}</m><fl>%{FILEFLAGS:xml}</fl><s>%{LONGFILESIZES:xml}</s></file>]',
  '[<log><t>%{CHANGELOGTIME:xml}</t><a>%{CHANGELOGNAME:xml}</a><x>%{CHANGELOGTEXT:xml}</x></log>]',
  '</pkg>',
].join('');

type Node = Record<string, unknown>;
const xml = new XMLParser({
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => name === 'file' || name === 'log' || name in DEP_KINDS,
});

/** A value of rpm's :xml output, re-decoded from the raw header bytes with the same lenient rule. */
function val(node: unknown): string | null {
  if (typeof node !== 'object' || node === null) return null; // "(none)": the tag is absent
  const v = (node as Node).string ?? (node as Node).integer;
  return decodeLenient(Buffer.from(String(v ?? ''), 'latin1')).replaceAll(CR, '\r');
}

/** XML parsers normalise CR to LF; hide it from the parser to compare descriptions that contain one. */
const CR = '\u0001';

/** What `rpm -qp` says about a package, as our model would put it. */
function rpmQuery(file: string): { pkg: Node; sig: string } {
  const out = execFileSync('rpm', ['-qp', '--qf', QF, file], { stdio: ['ignore', 'pipe', 'ignore'] }).toString('latin1');
  const pkg = xml.parse(out.replaceAll('\r', CR)).pkg as Node;
  const sig = [pkg.rsa, pkg.dsa].map(String).find((s) => s !== '(none)') ?? '(none)';
  return { pkg, sig };
}

const FLAGS: Record<number, string> = { 2: 'LT', 4: 'GT', 8: 'EQ', 10: 'LE', 12: 'GE' };
const evrString = (d: RpmDep) =>
  d.version === null ? '' : `${d.epoch !== null ? `${d.epoch}:` : ''}${d.version}${d.release !== null ? `-${d.release}` : ''}`;

function expectMatchesRpm(parsed: RpmPackage, file: string): void {
  const { pkg, sig } = rpmQuery(file);
  const num = (k: string) => Number(val(pkg[k]) ?? 0);
  const str = (k: string) => val(pkg[k]) ?? '';
  expect(parsed.name).toBe(str('name'));
  expect(parsed.epoch).toBe(num('epoch'));
  expect([parsed.version, parsed.release]).toEqual([str('version'), str('release')]);
  expect(parsed.arch).toBe(num('src') ? 'src' : str('arch'));
  for (const k of ['summary', 'description', 'license', 'vendor', 'group', 'url', 'packager', 'buildHost', 'sourceRpm', 'payloadCompressor'] as const) {
    expect(parsed[k], k).toBe(k === 'payloadCompressor' ? str(k) || 'gzip' : str(k));
  }
  for (const k of ['buildTime', 'installedSize', 'archiveSize'] as const) expect(parsed[k], k).toBe(num(k));
  for (const kind of Object.keys(DEP_KINDS) as Array<keyof typeof DEP_KINDS>) {
    const theirs = ((pkg[kind] as Node[] | undefined) ?? []).map((d) => {
      const flags = Number(val(d.f));
      const pre = kind === 'requires' && (flags & (0x40 | 0x200 | 0x400)) !== 0;
      return { name: val(d.n), flags: FLAGS[flags & 0xf] ?? null, evr: val(d.v), pre };
    });
    const ours = parsed[kind].map((d) => ({ name: d.name, flags: d.flags, evr: evrString(d), pre: d.pre }));
    expect(ours, kind).toEqual(theirs);
  }
  const files = ((pkg.file as Node[] | undefined) ?? []).map((f) => ({
    path: val(f.p), mode: Number(val(f.m)), flags: Number(val(f.fl)), size: Number(val(f.s)),
  }));
  expect(parsed.files.map(({ path, mode, flags, size }) => ({ path, mode, flags, size }))).toEqual(files);
  const logs = ((pkg.log as Node[] | undefined) ?? []).map((l) => ({ author: val(l.a), date: Number(val(l.t)), text: val(l.x) }));
  expect(parsed.changelogs).toEqual(logs);
  const [algo, , keyId] = sig === '(none)' ? [] : sig.split(', ');
  const kind = { RSA: 'rsa', DSA: 'dsa', EdDSA: 'eddsa', ECDSA: 'ecdsa' }[algo?.split('/')[0] ?? ''] ?? 'none';
  expect(parsed.signature).toEqual({ kind, keyId: keyId ? keyId.replace('Key ID ', '') : null });
}

const parseFile = (file: string) => parseRpm(bufferSource(readFileSync(file)));

describe.skipIf(skipWithout(['rpm']))('parseRpm reads the zoo fixtures as rpm does', () => {
  it('finds all 35 fixtures', () => expect(fixtureFiles()).toHaveLength(35));
  it.each(fixtureFiles().map((f) => [path.basename(f), f]))('%s', async (_name, file) => {
    expectMatchesRpm(await parseFile(file), file);
  });
});

describe.skipIf(skipWithout(['rpm', 'rpmbuild']))('parseRpm on packages built with rpmbuild', () => {
  let built: BuiltRpms;
  beforeAll(async () => {
    built = await buildTestRpms();
  });
  afterAll(() => rmSync(built.dir, { recursive: true, force: true }));

  it('matches rpm -qp for every built package (epoch, weak deps, ghosts, payloads, signatures)', async () => {
    for (const file of Object.values(built.files)) expectMatchesRpm(await parseFile(file), file);
  });

  it('reads epoch, scriptlet prerequisites, weak dependencies and file types', async () => {
    const p = await parseFile(built.files.kitchen);
    expect([p.epoch, p.version, p.release, p.arch]).toEqual([3, '1.2.3', '4.el9', 'noarch']);
    expect([p.sourceRpm, p.source]).toEqual(['kitchen-1.2.3-4.el9.src.rpm', 'kitchen']);
    expect(p.requires.find((d) => d.name === 'shadow-utils')).toMatchObject({ pre: true });
    expect(p.requires.find((d) => d.name === 'grep')).toMatchObject({ pre: false }); // %preun is not a prerequisite
    expect(p.requires.find((d) => d.name === 'baz')).toEqual({ name: 'baz', flags: 'GE', epoch: '2', version: '1.0', release: '3', pre: false });
    expect(p.requires.find((d) => d.name === 'corge')).toMatchObject({ version: '0.1', release: '' });
    expect(p.recommends.map((d) => d.name)).toEqual(['fork', 'spoon']);
    expect(p.suggests.map((d) => d.name)).toEqual(['cookbook(en)', 'knife']);
    expect(p.supplements.map((d) => d.name)).toEqual(['(kitchen-lang and langpacks-de)']);
    expect(p.enhances).toEqual([{ name: 'dining-room', flags: 'GT', epoch: null, version: '3', release: null, pre: false }]);
    const type = (f: string) => p.files.find((x) => x.path === f)?.type;
    expect(['/etc/kitchen.d', '/var/lib/kitchen/ghostdir', '/var/lib/kitchen/state.db', '/usr/bin/kitchen-data', '/usr/bin/kitchen'].map(type))
      .toEqual(['dir', 'dir', 'ghost', 'symlink', 'file']);
    expect(p.changelogs).toHaveLength(12);
  });

  it('names the payload compressor', async () => {
    for (const c of ['gzip', 'xz', 'zstd', 'bzip2']) expect((await parseFile(built.files[`payload-${c}`])).payloadCompressor).toBe(c);
  });

  it('reads arch, UTF-8 text and a Latin-1 changelog', async () => {
    const p = await parseFile(built.files.intl);
    expect([p.arch, p.version, p.summary]).toEqual(['x86_64', '2.0~rc1^git5', 'Café ☕ summary with tab\there']);
    expect(p.changelogs[0].author).toBe('Jörg Müller <jm@example.com> - 1');
    expect(p.changelogs[0].text).toBe('- Latin-1 text: café naïve \u0093quoted\u0094');
  });

  it('labels a source package "src" with no source rpm of its own', async () => {
    const p = await parseFile(built.files['kitchen-src']);
    expect([p.arch, p.sourceRpm, p.source]).toEqual(['src', '', 'kitchen']);
    expect(p.files.map((f) => f.path)).toEqual(['kitchen.spec']);
  });

  it('identifies RSA and EdDSA signatures and their issuers', async (ctx) => {
    if (!built.files['signed-rsa']) ctx.skip();
    expect((await parseFile(built.files['signed-rsa'])).signature).toEqual({ kind: 'rsa', keyId: built.keys.rsa });
    expect((await parseFile(built.files['signed-eddsa'])).signature).toEqual({ kind: 'eddsa', keyId: built.keys.eddsa });
    expect((await parseFile(built.files['payload-gzip'])).signature).toEqual({ kind: 'none', keyId: null });
  });
});

describe.skipIf(skipWithout(['createrepo_c']))('header range', () => {
  it('is the byte range createrepo_c reports for every fixture', async () => {
    const dir = execFileSync('mktemp', ['-d']).toString().trim();
    try {
      execFileSync('sh', ['-c', `cp "$1"/*.rpm "$2"/ && createrepo_c --no-database --simple-md-filenames "$2"`, 'sh', path.dirname(fixtureFiles()[0]), dir], { stdio: 'ignore' });
      const primary = execFileSync('zcat', [path.join(dir, 'repodata/primary.xml.gz')]).toString();
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(primary);
      for (const p of doc.metadata.package as Node[]) {
        const href = (p.location as Node).href as string;
        const range = ((p.format as Node)['rpm:header-range'] as Node);
        const parsed = await parseFile(path.join(dir, href));
        expect(parsed.headerRange, href).toEqual({ start: Number(range.start), end: Number(range.end) });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
