/**
 * The Debian security tracker's JSON export (https://security-tracker.debian.org/tracker/data/json):
 * { "<source>": { "<CVE or TEMP id>": { description, releases: { "<codename>": { status, fixed_version,
 * urgency } } } } }. Status "resolved" with fixed_version "0" means the release was never affected;
 * "open" means affected with no fix; "undetermined" means affected until someone checks (fix state unknown).
 * Advisories are keyed "debian-tracker:<codename>" and read one source package at a time.
 */
import type { Advisory, ParsedRecord } from './advisory.types.js';
import { severityFromLabel } from './cvss.js';
import { jsonObjectMembers } from './json-stream.js';

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

export const TRACKER_PREFIX = 'debian-tracker:';

/** Reduces the tracker entry of one source package. */
export function parseTrackerPackage(sourcePackage: string, entries: unknown): ParsedRecord {
  const out: ParsedRecord = { advisories: [], withdrawn: [], skipped: 0 };
  if (!isObj(entries)) return out;
  for (const [id, entry] of Object.entries(entries)) {
    if (!isObj(entry) || !isObj(entry.releases)) continue;
    for (const [codename, rel] of Object.entries(entry.releases)) {
      if (!isObj(rel)) continue;
      const releaseKey = TRACKER_PREFIX + codename;
      const status = str(rel.status);
      const fixed = str(rel.fixed_version);
      if (status === 'resolved' && (fixed === '0' || fixed === '')) {
        out.withdrawn.push({ releaseKey, sourcePackage, advisoryId: id });
        continue;
      }
      if (status !== 'resolved' && status !== 'open' && status !== 'undetermined') {
        out.skipped++;
        continue;
      }
      const base: Advisory = {
        releaseKey,
        sourcePackage,
        advisoryId: id,
        cveIds: /^CVE-\d{4}-\d+$/.test(id) ? [id] : [],
        summary: str(entry.description).slice(0, 1000),
        severity: severityFromLabel(str(rel.urgency)),
        cvssScore: null,
        cvssVector: '',
        severitySource: 'urgency',
        ranges: [{ type: 'ECOSYSTEM', events: status === 'resolved' ? [{ introduced: '0' }, { fixed }] : [{ introduced: '0' }] }],
        versions: [],
        fixedVersion: status === 'resolved' ? fixed : '',
        fixState: status === 'resolved' ? 'fixed' : status === 'open' ? 'not-fixed' : 'unknown',
        published: '',
        modified: '',
        urls: [`https://security-tracker.debian.org/tracker/${id}`],
      };
      out.advisories.push(base);
    }
  }
  return out;
}

/** Streams the whole tracker export, one source package per record, in bounded memory. */
export async function* parseDebianTracker(input: AsyncIterable<Buffer>): AsyncGenerator<ParsedRecord> {
  for await (const { key, value } of jsonObjectMembers(input)) yield parseTrackerPackage(key, value);
}
