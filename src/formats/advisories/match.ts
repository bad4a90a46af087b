/**
 * Whether a version lies in an advisory's affected ranges, per the OSV specification's evaluation
 * ("Evaluation" in the OSV schema): events are ordered by version, then walked from the lowest; the version
 * is affected after an `introduced` at or below it, until a `fixed` at or below it or a `last_affected`
 * below it. Versions are ordered with the distribution's rules (dpkg or rpm), never as strings.
 */
import { compareVersions, type VersionFormat } from '../version/index.js';
import type { AffectedRange, RangeEvent } from './advisory.types.js';

function eventVersion(e: RangeEvent): string {
  return e.introduced ?? e.fixed ?? e.last_affected ?? e.limit ?? '';
}

function safeCompare(format: VersionFormat, a: string, b: string): number | null {
  try {
    return compareVersions(format, a, b);
  } catch {
    return null;
  }
}

function inRange(format: VersionFormat, version: string, range: AffectedRange): boolean {
  // "0" is OSV's "before every version"; keep it first whatever the ordering says.
  const events = range.events
    .filter((e) => eventVersion(e) !== '' && (e.introduced === '0' || safeCompare(format, eventVersion(e), eventVersion(e)) !== null))
    .map((e, i) => ({ e, i }))
    .sort((x, y) => {
      if (x.e.introduced === '0') return y.e.introduced === '0' ? x.i - y.i : -1;
      if (y.e.introduced === '0') return 1;
      return safeCompare(format, eventVersion(x.e), eventVersion(y.e))! || x.i - y.i;
    })
    .map((x) => x.e);
  let affected = false;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (e.introduced === '0' || safeCompare(format, version, e.introduced)! >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (safeCompare(format, version, e.fixed)! >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if (safeCompare(format, version, e.last_affected)! > 0) affected = false;
    } else if (e.limit !== undefined) {
      if (safeCompare(format, version, e.limit)! >= 0) affected = false;
    }
  }
  return affected;
}

/** The matcher's verdict for one package version against one advisory's ranges and listed versions. */
export function isAffected(format: VersionFormat, version: string, ranges: AffectedRange[], versions: string[]): boolean {
  if (safeCompare(format, version, version) === null) return false;
  if (versions.some((v) => safeCompare(format, version, v) === 0)) return true;
  return ranges.some((r) => inRange(format, version, r));
}
