/**
 * Pool paths and `Packages` index stanzas for Debian binary packages.
 *
 * The stanza is byte-for-byte what `dpkg-scanpackages` (dpkg 1.21) prints, because that is the reference
 * apt clients and existing tooling are tested against. dpkg-scanpackages parses `dpkg-deb -I <deb> control`
 * with Dpkg::Control (type CTRL_INDEX_PKG), adds Filename, Size, MD5sum, SHA1 and SHA256, and prints it
 * with Dpkg::Control::HashCore::output. That means:
 *  - field names are re-capitalised (Dpkg::Control::FieldsCore::field_capitalize);
 *  - known fields follow the CTRL_INDEX_PKG order below, unknown ones come after, sorted by name;
 *  - fields whose value is only whitespace are dropped;
 *  - trailing whitespace is stripped from every line, continuation lines are re-indented with one space,
 *    empty continuation lines are written " ." and trailing empty ones disappear.
 * Pool layout follows the Debian archive (dak): pool/<component>/<prefix>/<source>/<file>.
 */
import { AppError } from '../../core/errors.js';
import type { BlobFacts, DebPackage } from '../types.js';

/** Dpkg::Control::FieldsCore %FIELD_ORDER{CTRL_INDEX_PKG}. */
const INDEX_ORDER = [
  'Package', 'Package-Type', 'Source', 'Version', 'Kernel-Version', 'Built-For-Profiles', 'Auto-Built-Package',
  'Architecture', 'Subarchitecture', 'Installer-Menu-Item', 'Build-Essential', 'Essential', 'Protected', 'Origin',
  'Bugs', 'Maintainer', 'Installed-Size', 'Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Enhances',
  'Conflicts', 'Breaks', 'Replaces', 'Provides', 'Built-Using', 'Static-Built-Using', 'Filename', 'Size', 'MD5sum',
  'SHA1', 'SHA256', 'Section', 'Priority', 'Multi-Arch', 'Homepage', 'Description', 'Tag', 'Task',
];
const ORDER_INDEX = new Map(INDEX_ORDER.map((name, i) => [name, i]));

/** The only known dpkg fields whose canonical spelling differs from the generic capitalisation. */
const SPECIAL_NAMES: Record<string, string> = {
  md5sum: 'MD5sum',
  sha1: 'SHA1',
  sha256: 'SHA256',
  notautomatic: 'NotAutomatic',
  butautomaticupgrades: 'ButAutomaticUpgrades',
  'no-support-for-architecture-all': 'No-Support-for-Architecture-all',
};

/** Fields dpkg-scanpackages computes itself, overriding any the control file carries. */
const COMPUTED = new Set(['filename', 'size', 'md5sum', 'sha1', 'sha256']);

/** Perl's `\s` on byte strings: ASCII whitespace only, never NBSP or other Unicode spaces. */
const rstrip = (s: string) => s.replace(/[ \t\n\r\f\v]+$/, '');

/**
 * Capitalised spellings of the field names seen so far: the same few dozen names recur in every control file
 * (a pure memo; bounded, since a control file may invent any number of names).
 */
const CAPITALIZED = new Map<string, string>();
const CAPITALIZED_MAX = 1024;

function capitalize(name: string): string {
  let canonical = CAPITALIZED.get(name);
  if (canonical === undefined) {
    canonical = capitalizeName(name);
    if (CAPITALIZED.size < CAPITALIZED_MAX) CAPITALIZED.set(name, canonical);
  }
  return canonical;
}

/** field_capitalize: each `-`-separated part ucfirst'ed; Perl's split drops trailing empty parts. */
function capitalizeName(name: string): string {
  const lower = name.toLowerCase();
  const special = SPECIAL_NAMES[lower];
  if (special) return special;
  const parts = lower.split('-');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts.map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('-');
}

/** Perl's `\s` on byte strings: space, \t, \n, \v, \f, \r. */
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13);
}

/** Re-serialises one value the way Dpkg::Control parses and then outputs it; null when dpkg drops it. */
function formatField(name: string, value: string): string | null {
  // Most values are one line with nothing to trim: as they are.
  if (value.length > 0 && !isSpace(value.charCodeAt(0)) && !isSpace(value.charCodeAt(value.length - 1)) && !value.includes('\n')) {
    return `${name}: ${value}\n`;
  }
  const [firstRaw, ...continuation] = value.split('\n');
  const lines = [rstrip(firstRaw).replace(/^[ \t\n\r\f\v]+/, '')];
  for (const raw of continuation) {
    let line = rstrip(raw);
    if (/^[ \t]/.test(line)) line = line.slice(1); // the one indentation character of a continuation line
    if (/^\.+$/.test(line)) line = line.slice(1); // " ." stands for an empty line, " .." for "."
    lines.push(line);
  }
  if (!lines.some((l) => /[^ \t\n\r\f\v]/.test(l))) return null;
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  let out = lines[0] ? `${name}: ${lines[0]}\n` : `${name}:\n`;
  for (const line of lines.slice(1)) out += line === '' || /^\.+$/.test(line) ? ` .${line}\n` : ` ${line}\n`;
  return out;
}

function compareFields(a: string, b: string): number {
  const ia = ORDER_INDEX.get(a);
  const ib = ORDER_INDEX.get(b);
  if (ia !== undefined && ib !== undefined) return ia - ib;
  if (ia !== undefined) return -1;
  if (ib !== undefined) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Components may be nested ("updates/main") but every segment must be a plain name. */
const COMPONENT = /^[A-Za-z0-9][A-Za-z0-9._+-]*(\/[A-Za-z0-9][A-Za-z0-9._+-]*)*$/;

/**
 * `pool/<component>/<prefix>/<source>/<name>_<version without epoch>_<arch>.deb`, with the archive's prefix
 * rule: the first four letters for sources starting with "lib", else the first letter.
 */
export function debPoolPath(pkg: DebPackage, component: string): string {
  if (!COMPONENT.test(component)) throw new AppError('UNSAFE_PATH', `component "${component}" is not a safe path segment`);
  const prefix = pkg.source.startsWith('lib') ? pkg.source.slice(0, 4) : pkg.source.charAt(0);
  const version = pkg.version.replace(/^[0-9]+:/, '');
  return `pool/${component}/${prefix}/${pkg.source}/${pkg.name}_${version}_${pkg.arch}.deb`;
}

/**
 * The package's stanza for a `Packages` index, ending with "\n" and without the blank separator line (the
 * caller joins stanzas with "\n"). `filename` is the path relative to the archive root.
 */
export function renderPackagesStanza(pkg: DebPackage, blob: BlobFacts, filename: string): string {
  if (/[\x00-\x1f\x7f]/.test(filename)) throw new AppError('UNSAFE_PATH', 'Filename contains control characters');
  const fields = new Map<string, string>();
  for (const [name, value] of pkg.control) {
    if (COMPUTED.has(name.toLowerCase())) continue;
    // A name ending in "-" loses its tail when capitalised and dpkg can no longer find its value: dropped.
    const canonical = capitalize(name);
    if (canonical.toLowerCase() !== name.toLowerCase()) continue;
    fields.set(canonical, value);
  }
  fields.set('Filename', filename);
  fields.set('Size', String(blob.size));
  fields.set('MD5sum', blob.md5);
  fields.set('SHA1', blob.sha1);
  fields.set('SHA256', blob.sha256);

  let out = '';
  for (const name of [...fields.keys()].sort(compareFields)) {
    out += formatField(name, fields.get(name) as string) ?? '';
  }
  return out;
}
