/**
 * Package URLs (purl-spec, "pkg:type/namespace/name@version?qualifiers"), for the deb and rpm types.
 * Encoding follows the specification's character-encoding section: only ALPHA, DIGIT, `.-_~` and the colon
 * stay as they are; everything else (including `+`, `/` inside a component and non-ASCII) is percent-encoded
 * as UTF-8 with upper-case hex. Qualifiers are sorted by key; the deb/rpm namespace and the deb name are
 * lower-cased as those types require, the rpm name keeps its case.
 */
import type { SbomPackage } from './sbom.types.js';

export function purlEncode(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9.\-_~:]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export function purl(type: string, namespace: string | null, name: string, version: string | null, qualifiers: Record<string, string | null | undefined>): string {
  const ns = namespace ? `${purlEncode(namespace)}/` : '';
  const v = version ? `@${purlEncode(version)}` : '';
  const q = Object.entries(qualifiers)
    .filter((e): e is [string, string] => e[1] !== null && e[1] !== undefined && e[1] !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, val]) => `${k.toLowerCase()}=${purlEncode(val)}`)
    .join('&');
  return `pkg:${type}/${ns}${purlEncode(name)}${v}${q ? `?${q}` : ''}`;
}

/** `pkg:deb/<vendor>/<name>@<version>?arch=..&distro=..` or `pkg:rpm/<vendor>/<name>@<version>-<release>?arch=..&distro=..&epoch=..`. */
export function packagePurl(p: Pick<SbomPackage, 'format' | 'vendor' | 'name' | 'version' | 'rpm' | 'arch' | 'distribution'>): string {
  if (p.format === 'deb') {
    return purl('deb', p.vendor.toLowerCase(), p.name.toLowerCase(), p.version, { arch: p.arch, distro: p.distribution });
  }
  const evr = p.rpm ?? splitRpmVersion(p.version);
  return purl('rpm', p.vendor.toLowerCase(), p.name, `${evr.version}-${evr.release}`, {
    arch: p.arch,
    distro: p.distribution,
    epoch: evr.epoch ? String(evr.epoch) : null,
  });
}

function splitRpmVersion(v: string): { epoch: number; version: string; release: string } {
  const m = /^(?:(\d+):)?(.*?)(?:-([^-]*))?$/.exec(v)!;
  return { epoch: m[1] ? Number(m[1]) : 0, version: m[2], release: m[3] ?? '' };
}

const VENDORS: Array<[RegExp, string]> = [
  [/^(warty|hoary|breezy|dapper|edgy|feisty|gutsy|hardy|intrepid|jaunty|karmic|lucid|maverick|natty|oneiric|precise|quantal|raring|saucy|trusty|utopic|vivid|wily|xenial|yakkety|zesty|artful|bionic|cosmic|disco|eoan|focal|groovy|hirsute|impish|jammy|kinetic|lunar|mantic|noble|oracular|plucky|questing)\b/, 'ubuntu'],
  [/^(buzz|rex|bo|hamm|slink|potato|woody|sarge|etch|lenny|squeeze|wheezy|jessie|stretch|buster|bullseye|bookworm|trixie|forky|duke|sid)\b|^debian/, 'debian'],
  [/^alma/, 'almalinux'],
  [/^rocky/, 'rocky'],
  [/^centos/, 'centos'],
  [/^fedora/, 'fedora'],
  [/^(rhel|redhat|ubi)/, 'redhat'],
  [/^(opensuse|sles|suse)/, 'opensuse'],
  [/^(ol|oracle)/, 'oracle'],
  [/^amzn|^amazon/, 'amazon'],
];

/**
 * The purl namespace for a package of a distribution: the vendor of the OS release the distribution is named
 * after. Distributions with other names fall back to "debian" (deb) and "redhat" (rpm), the purl types' defaults.
 */
export function purlVendor(format: 'deb' | 'rpm', distribution: string): string {
  const d = distribution.toLowerCase();
  for (const [re, vendor] of VENDORS) if (re.test(d)) return vendor;
  return format === 'deb' ? 'debian' : 'redhat';
}
