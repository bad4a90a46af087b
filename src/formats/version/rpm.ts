/**
 * RPM version ordering, as rpm 4.18 does it: rpmvercmp() in rpmio/rpmvercmp.c, and parseEVR() and
 * rpmverOverlap() in rpmio/rpmver.c. dnf and createrepo_c order versions through the same librpm code,
 * so the tests check every answer against the real `rpm` (its Lua `rpm.vercmp` and `rpm.ver`).
 */
import { AppError } from '../../core/errors.js';

export interface RpmEVR {
  epoch: number;
  version: string;
  /** "" when the string has no release. */
  release: string;
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isAlpha = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
// rpm's risalnum() is ASCII-only, so every other character, non-ASCII included, only separates segments.
const isSeparator = (c: string): boolean => !isDigit(c) && !isAlpha(c) && c !== '~' && c !== '^';

/**
 * rpmvercmp(): splits both strings into runs of digits or runs of letters and compares them in turn.
 * - A number sorts above letters ("1.0.1" > "1.0.a"); leading zeros are ignored, and digit runs are compared
 *   by length and then digit by digit, so a run of any length works.
 * - Separators only split runs: "1.0" = "1_0" = "1..0".
 * - `~` sorts before everything, the end of the string included: "1.0~rc1" < "1.0".
 * - `^` sorts after the end of the string but before anything else: "1.0" < "1.0^git1" < "1.0.1".
 * - Otherwise the string with something left over is the larger one.
 */
export function rpmvercmp(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  // Past the end of a string reads as "", like the NUL that ends a C string.
  const ch = (s: string, k: number): string => (k < s.length ? s[k] : '');

  while (i < a.length || j < b.length) {
    while (i < a.length && isSeparator(a[i])) i++;
    while (j < b.length && isSeparator(b[j])) j++;
    const c1 = ch(a, i);
    const c2 = ch(b, j);

    if (c1 === '~' || c2 === '~') {
      if (c1 !== '~') return 1;
      if (c2 !== '~') return -1;
      i++;
      j++;
      continue;
    }
    // Order matters: the end of a string is tested before the other string's caret.
    if (c1 === '^' || c2 === '^') {
      if (c1 === '') return -1;
      if (c2 === '') return 1;
      if (c1 !== '^') return 1;
      if (c2 !== '^') return -1;
      i++;
      j++;
      continue;
    }
    if (c1 === '' || c2 === '') break;

    // The first string decides the segment type; the other string may have an empty run of that type.
    const isNum = isDigit(c1);
    const inSegment = isNum ? isDigit : isAlpha;
    let e1 = i;
    let e2 = j;
    while (e1 < a.length && inSegment(a[e1])) e1++;
    while (e2 < b.length && inSegment(b[e2])) e2++;
    if (e2 === j) return isNum ? 1 : -1;

    let s1 = a.slice(i, e1);
    let s2 = b.slice(j, e2);
    if (isNum) {
      s1 = s1.replace(/^0+/, '');
      s2 = s2.replace(/^0+/, '');
      if (s1.length !== s2.length) return s1.length > s2.length ? 1 : -1;
    }
    // strcmp() on ASCII digits or ASCII letters: code-unit order is byte order.
    if (s1 !== s2) return s1 < s2 ? -1 : 1;
    i = e1;
    j = e2;
  }
  // Every segment compared equal; only separators may differ, or one string has segments left.
  const left1 = i < a.length;
  const left2 = j < b.length;
  if (!left1 && !left2) return 0;
  return left1 ? 1 : -1;
}

const UINT32_MAX = 0xffff_ffff;

function fail(input: string, why: string): never {
  throw new AppError('FORMAT_INVALID', `invalid RPM version '${input}': ${why}`, { version: input });
}

/**
 * Splits "[epoch:]version[-release]" as rpm's parseEVR() does: the epoch is a leading run of digits
 * ended by ':' (an empty one, ":1.0", counts as 0), and the release follows the last '-'. A missing epoch is 0.
 *
 * rpm itself accepts any string here. We reject the two it cannot use: an empty string (rpmverParse() gives
 * NULL) and an empty version. We also reject an epoch above 2^32-1, because an rpm header stores the epoch
 * as a uint32. "1.0-" parses to an empty release, which rpmverOverlap() treats like a missing one.
 */
export function parseEVR(s: string): RpmEVR {
  if (s === '') fail(s, 'empty version');
  let k = 0;
  while (k < s.length && isDigit(s[k])) k++;
  let epoch = 0;
  let rest = s;
  if (s[k] === ':') {
    const digits = s.slice(0, k).replace(/^0+/, '');
    if (digits.length > 10 || Number(digits) > UINT32_MAX) fail(s, 'epoch is larger than 4294967295');
    epoch = Number(digits);
    rest = s.slice(k + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : '';
  if (version === '') fail(s, 'empty version part');
  return { epoch, version, release };
}

/**
 * Orders two EVRs as rpm does when it matches dependency ranges (rpmverOverlap()): epoch as a number, then
 * version, then release, all with rpmvercmp(), except that when either side has no release the releases
 * count as equal. So "1.0" = "1.0-5", as in `Requires: foo >= 1.0`, which foo-1.0-5 satisfies.
 *
 * We chose range semantics over rpmverCmp() (what Lua `rpm.ver` comparisons use), where a missing release
 * sorts below any release. Packages in a repository always carry a release, so the two only differ for
 * versions a user types, and for those "1.0" should mean every 1.0 build.
 */
export function compareEVR(a: string | RpmEVR, b: string | RpmEVR): -1 | 0 | 1 {
  const x = typeof a === 'string' ? parseEVR(a) : a;
  const y = typeof b === 'string' ? parseEVR(b) : b;
  if (x.epoch !== y.epoch) return x.epoch < y.epoch ? -1 : 1;
  const byVersion = rpmvercmp(x.version, y.version);
  if (byVersion !== 0 || x.release === '' || y.release === '') return byVersion;
  return rpmvercmp(x.release, y.release);
}
