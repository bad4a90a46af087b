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

/** Ranges with valid events only, each sorted once, ready to test many versions against. */
export interface PreparedRanges {
  ranges: RangeEvent[][];
  versions: string[];
}

/** Drops events the format cannot parse and orders each range's events ("0" first); done once per advisory. */
export function prepareRanges(format: VersionFormat, ranges: AffectedRange[], versions: string[]): PreparedRanges {
  const sorted = ranges.map((range) =>
    range.events
      .filter((e) => eventVersion(e) !== '' && (e.introduced === '0' || safeCompare(format, eventVersion(e), eventVersion(e)) !== null))
      .map((e, i) => ({ e, i }))
      .sort((x, y) => {
        if (x.e.introduced === '0') return y.e.introduced === '0' ? x.i - y.i : -1;
        if (y.e.introduced === '0') return 1;
        return safeCompare(format, eventVersion(x.e), eventVersion(y.e))! || x.i - y.i;
      })
      .map((x) => x.e),
  );
  return { ranges: sorted, versions: versions.filter((v) => safeCompare(format, v, v) !== null) };
}

function inRange(format: VersionFormat, version: string, events: RangeEvent[]): boolean {
  let affected = false;
  for (const e of events) {
    if (e.introduced !== undefined) {
      if (e.introduced === '0' || compareVersions(format, version, e.introduced) >= 0) affected = true;
    } else if (e.fixed !== undefined) {
      if (compareVersions(format, version, e.fixed) >= 0) affected = false;
    } else if (e.last_affected !== undefined) {
      if (compareVersions(format, version, e.last_affected) > 0) affected = false;
    } else if (e.limit !== undefined) {
      if (compareVersions(format, version, e.limit) >= 0) affected = false;
    }
  }
  return affected;
}

/** Whether a version, already known to be valid for the format, is affected by prepared ranges. */
export function isAffectedPrepared(format: VersionFormat, version: string, prepared: PreparedRanges): boolean {
  if (prepared.versions.some((v) => compareVersions(format, version, v) === 0)) return true;
  return prepared.ranges.some((events) => inRange(format, version, events));
}

/** The matcher's verdict for one package version against one advisory's ranges and listed versions. */
export function isAffected(format: VersionFormat, version: string, ranges: AffectedRange[], versions: string[]): boolean {
  if (safeCompare(format, version, version) === null) return false;
  return isAffectedPrepared(format, version, prepareRanges(format, ranges, versions));
}
