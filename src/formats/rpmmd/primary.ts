/**
 * primary.xml of rpm-md repodata, byte for byte as createrepo_c 0.17 writes it: element layout from
 * src/xml_dump_primary.c, dependency selection from cr_package_from_header in src/parsehdr.c (rpmlib()
 * requires, requires on the package's own primary files, requires its own provides satisfy exactly, repeated
 * requires and bad epochs are left out; of the libc.so.6 requires only the highest symbol version is kept).
 */
import type { BlobFacts, RpmDep, RpmPackage } from '../types.js';
import { rpmvercmp } from '../version/rpm.js';
import { isPrimaryFile, renderFileElements } from './filelists.js';
import { escapeXml, escapeXmlAttr } from './xml.js';

const text = (name: string, value: string, indent: string) => `${indent}<${name}>${escapeXml(value)}</${name}>\n`;

/** The dependency version string as it was in the header ("E:V-R"), rebuilt from its parts. */
function fullVersion(d: RpmDep): string {
  if (d.version === null) return '';
  return `${d.epoch !== null ? `${d.epoch}:` : ''}${d.version}${d.release !== null ? `-${d.release}` : ''}`;
}

/** createrepo_c skips (with a warning) a dependency whose epoch strtol() cannot read completely. */
function hasBadEpoch(d: RpmDep): boolean {
  return d.version !== null && d.epoch !== null && d.epoch !== '' && !/^[\t\n\v\f\r ]*[+-]?[0-9]+$/.test(d.epoch);
}

const nfv = (d: RpmDep) => `${d.name}${d.flags ?? ''}${fullVersion(d)}`;

/** Requires as createrepo_c lists them, in header order, the kept libc.so.6 require last. */
export function primaryRequires(pkg: RpmPackage): RpmDep[] {
  const files = new Set(pkg.files.map((f) => f.path));
  const provided = new Set(pkg.provides.filter((d) => !hasBadEpoch(d)).map(nfv));
  const seen = new Map<string, { flags: string | null; version: string; pre: boolean }>();
  const out: RpmDep[] = [];
  let libc: RpmDep | null = null;
  for (const d of pkg.requires) {
    if (d.name.startsWith('rpmlib(')) continue;
    if (d.name.startsWith('/') && files.has(d.name) && isPrimaryFile(d.name)) continue;
    if (provided.has(nfv(d))) continue;
    const prev = seen.get(d.name);
    if (prev && prev.flags === d.flags && prev.version === fullVersion(d) && prev.pre === d.pre) continue;
    if (hasBadEpoch(d)) continue;
    if (d.name.startsWith('libc.so.6')) {
      if (libc === null || compareLibcDeps(libc.name, d.name) === 2) libc = d;
      continue;
    }
    out.push(d);
    seen.set(d.name, { flags: d.flags, version: fullVersion(d), pre: d.pre });
  }
  if (libc) out.push(libc);
  return out;
}

function renderDeps(element: string, deps: RpmDep[], withPre: boolean): string {
  if (deps.length === 0) return '';
  let entries = '';
  for (const d of deps) {
    if (d.name === '') continue;
    let attrs = ` name="${escapeXmlAttr(d.name)}"`;
    if (d.flags) {
      attrs += ` flags="${d.flags}"`;
      // createrepo_c's EVR split: no version at all → no attributes; a missing epoch reads as "0".
      if (d.version !== null) {
        attrs += ` epoch="${escapeXmlAttr(d.epoch || '0')}"`;
        if (d.version !== '') attrs += ` ver="${escapeXmlAttr(d.version)}"`;
        if (d.release) attrs += ` rel="${escapeXmlAttr(d.release)}"`;
      }
    }
    if (withPre && d.pre) attrs += ' pre="1"';
    entries += `      <rpm:entry${attrs}/>\n`;
  }
  return entries === '' ? `    <${element}/>\n` : `    <${element}>\n${entries}    </${element}>\n`;
}

export function renderPrimaryPackage(pkg: RpmPackage, blob: BlobFacts, location: string, pkgTime: number): string {
  const plain = (deps: RpmDep[]) => deps.filter((d) => !hasBadEpoch(d));
  return [
    '<package type="rpm">\n',
    text('name', pkg.name, '  '),
    text('arch', pkg.arch, '  '),
    `  <version epoch="${pkg.epoch}" ver="${escapeXmlAttr(pkg.version)}" rel="${escapeXmlAttr(pkg.release)}"/>\n`,
    `  <checksum type="sha256" pkgid="YES">${escapeXml(blob.sha256)}</checksum>\n`,
    text('summary', pkg.summary, '  '),
    text('description', pkg.description, '  '),
    text('packager', pkg.packager, '  '),
    text('url', pkg.url, '  '),
    `  <time file="${pkgTime}" build="${pkg.buildTime}"/>\n`,
    `  <size package="${blob.size}" installed="${pkg.installedSize}" archive="${pkg.archiveSize}"/>\n`,
    `  <location href="${escapeXmlAttr(location)}"/>\n`,
    '  <format>\n',
    text('rpm:license', pkg.license, '    '),
    text('rpm:vendor', pkg.vendor, '    '),
    text('rpm:group', pkg.group, '    '),
    text('rpm:buildhost', pkg.buildHost, '    '),
    text('rpm:sourcerpm', pkg.sourceRpm, '    '),
    `    <rpm:header-range start="${pkg.headerRange.start}" end="${pkg.headerRange.end}"/>\n`,
    renderDeps('rpm:provides', plain(pkg.provides), false),
    renderDeps('rpm:requires', primaryRequires(pkg), true),
    renderDeps('rpm:conflicts', plain(pkg.conflicts), false),
    renderDeps('rpm:obsoletes', plain(pkg.obsoletes), false),
    renderDeps('rpm:suggests', plain(pkg.suggests), false),
    renderDeps('rpm:enhances', plain(pkg.enhances), false),
    renderDeps('rpm:recommends', plain(pkg.recommends), false),
    renderDeps('rpm:supplements', plain(pkg.supplements), false),
    renderFileElements(pkg.files, '    ', true),
    '  </format>\n',
    '</package>\n',
  ].join('');
}

export function primaryHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<metadata xmlns="http://linux.duke.edu/metadata/common" xmlns:rpm="http://linux.duke.edu/metadata/rpm" packages="${count}">\n`;
}

export function primaryTail(): string {
  return '</metadata>';
}

/**
 * createrepo_c's cr_compare_dependency for two "libc.so.6(GLIBC_x.y)(64bit)" names: 2 when the second is newer,
 * 1 when the first is, 0 when equal, -1 when neither has a closing parenthesis.
 */
export function compareLibcDeps(dep1: string, dep2: string): number {
  const open1 = dep1.indexOf('(');
  const open2 = dep2.indexOf('(');
  if (open1 < 0 && open2 < 0) return 0;
  if (open1 < 0) return 2;
  if (open2 < 0) return 1;
  const close1 = dep1.indexOf(')', open1);
  const close2 = dep2.indexOf(')', open2);
  if (close1 < 0 && close2 < 0) return -1;
  if (close1 < 0) return 2;
  if (close2 < 0) return 1;
  const empty1 = close1 === open1 + 1;
  const empty2 = close2 === open2 + 1;
  if (empty1 && empty2) return 0;
  if (empty1) return 2;
  if (empty2) return 1;
  const digit1 = firstDigit(dep1, open1 + 1);
  const digit2 = firstDigit(dep2, open2 + 1);
  if (digit1 > close1 && digit2 > close2) return 0;
  if (digit1 > close1) return 2;
  if (digit2 > close2) return 1;
  const cmp = rpmvercmp(dep1.slice(digit1, close1), dep2.slice(digit2, close2));
  return cmp === -1 ? 2 : cmp;
}

function firstDigit(s: string, from: number): number {
  let i = from;
  while (i < s.length && !isDigit(s[i])) i++;
  return i;
}

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
