/**
 * Debian version strings: `[epoch:]upstream[-revision]`.
 *
 * Follows deb-version(5), and where the manual leaves room, dpkg 1.21 itself: parseversion() in
 * lib/dpkg/parsehelp.c and verrevcmp() in lib/dpkg/version.c. apt and dpkg order packages with that code,
 * so the tests check every answer against `dpkg --compare-versions` and `dpkg --validate-version`.
 *
 * dpkg sorts its problems into errors (no version at all: empty parts, bad epoch, embedded blanks) and
 * warnings (a version it can still order: a first character that is not a digit, characters outside the
 * allowed set). `dpkg --validate-version` and parseDebVersion() reject both. `dpkg --compare-versions` and
 * compareDebVersions() only reject errors and still order versions that get a warning.
 */
import { AppError } from '../../core/errors.js';

export interface DebVersion {
  epoch: number;
  upstream: string;
  revision: string;
}

interface Parsed extends DebVersion {
  /** The message of a dpkg warning-class problem. */
  warning?: string;
}

const INT_MAX = 2_147_483_647;
// Epoch: strtol(3) in base 10 skips C isspace() and takes an optional sign. Leading blanks are already
// trimmed and inner blanks rejected, so only \n \v \f \r can still come first ("\n1:1.0" is valid to dpkg).
const EPOCH_PREFIX = /^[\n\v\f\r]*([+-]?)(\d+)/;
const UPSTREAM_CHARS = /^[0-9A-Za-z.+~:-]*$/;
const REVISION_CHARS = /^[0-9A-Za-z.+~]*$/;

function fail(input: string, why: string): never {
  throw new AppError('FORMAT_INVALID', `invalid Debian version '${input}': ${why}`, { version: input });
}

/** parseversion(): returns the parts, with any warning-class problem noted rather than thrown. */
function parse(input: string): Parsed {
  // c_isblank(): space and tab only. dpkg trims them at both ends and rejects them inside.
  const s = input.replace(/^[ \t]+|[ \t]+$/g, '');
  if (s === '') fail(input, 'version string is empty');
  if (/[ \t]/.test(s)) fail(input, 'version string has embedded spaces');
  // C strings stop at NUL, so dpkg could never have seen the rest of such a string.
  if (s.includes('\0')) fail(input, 'version string contains a NUL character');

  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon >= 0) {
    const m = EPOCH_PREFIX.exec(s);
    if (!m) fail(input, 'epoch in version is empty');
    if (m[0].length !== colon) fail(input, 'epoch in version is not number');
    const digits = m[2].replace(/^0+/, '');
    if (m[1] === '-' && digits !== '') fail(input, 'epoch in version is negative');
    if (digits.length > 10 || Number(digits) > INT_MAX) fail(input, 'epoch in version is too big');
    epoch = Number(digits);
    rest = s.slice(colon + 1);
    if (rest === '') fail(input, 'nothing after colon in version number');
  }

  // The revision starts after the last hyphen, so the upstream part may itself contain hyphens.
  const hyphen = rest.lastIndexOf('-');
  const upstream = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const revision = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (hyphen >= 0 && revision === '') fail(input, 'revision number is empty');
  if (upstream === '') fail(input, 'upstream version is empty');

  let warning: string | undefined;
  if (!/^[0-9]/.test(upstream)) warning = 'version number does not start with digit';
  else if (!UPSTREAM_CHARS.test(upstream)) warning = 'invalid character in version number';
  else if (!REVISION_CHARS.test(revision)) warning = 'invalid character in revision number';
  return { epoch, upstream, revision, warning };
}

/** Splits and validates a version as `dpkg --validate-version` does; throws FORMAT_INVALID otherwise. */
export function parseDebVersion(v: string): DebVersion {
  const { epoch, upstream, revision, warning } = parse(v);
  if (warning) fail(v, warning);
  return { epoch, upstream, revision };
}

const encoder = new TextEncoder();

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isAlpha = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);

/**
 * verrevcmp()'s order(): `~` sorts before the end of the string, the end before letters, letters before
 * everything else. Digits weigh 0 here because digit runs are compared separately. Bytes from 0x80 up are
 * negative `char`s on amd64, so dpkg gives them c + 256 = the unsigned byte value, which puts them between
 * letters and ASCII punctuation. Only versions that fail validation can contain them.
 */
function order(c: number): number {
  if (isDigit(c) || c === 0) return 0;
  if (isAlpha(c)) return c;
  if (c === 0x7e) return -1;
  return c >= 0x80 ? c : c + 256;
}

/** verrevcmp() over UTF-8 bytes, since dpkg compares bytes. A position past the end reads as NUL. */
function verrevcmp(a: string, b: string): number {
  const x = encoder.encode(a);
  const y = encoder.encode(b);
  const at = (buf: Uint8Array, i: number): number => (i < buf.length ? buf[i] : 0);
  let i = 0;
  let j = 0;
  while (i < x.length || j < y.length) {
    while ((i < x.length && !isDigit(x[i])) || (j < y.length && !isDigit(y[j]))) {
      const d = order(at(x, i)) - order(at(y, j));
      if (d !== 0) return d;
      i++;
      j++;
    }
    while (at(x, i) === 0x30) i++;
    while (at(y, j) === 0x30) j++;
    // With leading zeros gone, the longer digit run is the larger number, and runs of equal length
    // compare by their first differing digit. This avoids any number conversion, so no length is too long.
    let firstDiff = 0;
    while (isDigit(at(x, i)) && isDigit(at(y, j))) {
      if (firstDiff === 0) firstDiff = x[i] - y[j];
      i++;
      j++;
    }
    if (isDigit(at(x, i))) return 1;
    if (isDigit(at(y, j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

const sign = (n: number): -1 | 0 | 1 => (n < 0 ? -1 : n > 0 ? 1 : 0);

/**
 * Orders two versions as `dpkg --compare-versions` does: epoch as a number, then upstream, then revision,
 * each with verrevcmp(). A missing revision equals "0", so 1.0 = 1.0-0 < 1.0-1.
 *
 * One difference: the dpkg command reads "" and "<unknown>" as "not installed", the lowest of all
 * versions. Here an empty string throws like any other unparsable version, because a repository only ever
 * compares versions that exist.
 */
export function compareDebVersions(a: string, b: string): -1 | 0 | 1 {
  const x = parse(a);
  const y = parse(b);
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  return sign(verrevcmp(x.upstream, y.upstream) || verrevcmp(x.revision, y.revision));
}
