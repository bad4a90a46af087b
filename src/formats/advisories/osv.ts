/**
 * OSV records (https://ossf.github.io/osv-schema/, schema 1.6) of the Linux distribution ecosystems Packyard
 * serves, reduced to advisories keyed by (ecosystem release, source package). Ubuntu's ecosystems carry an
 * ":LTS" suffix that says nothing about the release, so "Ubuntu:22.04:LTS" is keyed as "Ubuntu:22.04".
 */
import type { AffectedRange, FixState, ParsedRecord, RangeEvent, Severity } from './advisory.types.js';
import { cvss3BaseScore, severityFromLabel, severityFromScore } from './cvss.js';
import { cvss4BaseScore } from './cvss4.js';

const DISTRO_ECOSYSTEMS = ['Debian', 'Ubuntu', 'AlmaLinux', 'Rocky Linux', 'Red Hat', 'SUSE', 'openSUSE'];

/** The release key of an OSV ecosystem string, or null for ecosystems that are not Linux distributions we serve. */
export function releaseKeyOf(ecosystem: string): string | null {
  const base = ecosystem.split(':')[0];
  if (!DISTRO_ECOSYSTEMS.includes(base) || !ecosystem.includes(':')) return null;
  return ecosystem.replace(/:LTS$/, '');
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const strArray = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function severityOf(record: Json, affected: Json): { severity: Severity; score: number | null; vector: string; source: string } {
  const entries = [...(Array.isArray(affected.severity) ? affected.severity : []), ...(Array.isArray(record.severity) ? record.severity : [])].filter(isObj);
  // A CVSS v4 score wins over a v3 one (the newer specification), and any valid CVSS score over a label.
  const scorers: Array<[string, (vector: string) => number | null]> = [['CVSS_V4', cvss4BaseScore], ['CVSS_V3', cvss3BaseScore]];
  for (const [source, scorer] of scorers) {
    for (const e of entries.filter((x) => str(x.type).startsWith(source))) {
      const score = scorer(str(e.score));
      if (score !== null) return { severity: severityFromScore(score), score, vector: str(e.score), source };
    }
  }
  // Labels: Ubuntu puts its priority in severity[] with type "Ubuntu"; others use database_specific or
  // ecosystem_specific. An unscorable CVSS v4 vector is still kept for display.
  const labels: Array<[string, unknown]> = [
    ...entries.filter((e) => !str(e.type).startsWith('CVSS')).map((e): [string, unknown] => [str(e.type), e.score]),
    ['ecosystem_specific', isObj(affected.ecosystem_specific) ? (affected.ecosystem_specific.severity ?? affected.ecosystem_specific.urgency) : undefined],
    ['database_specific', isObj(affected.database_specific) ? affected.database_specific.severity : undefined],
    ['database_specific', isObj(record.database_specific) ? record.database_specific.severity : undefined],
  ];
  const v4 = entries.find((e) => str(e.type) === 'CVSS_V4');
  for (const [source, value] of labels) {
    const label = severityFromLabel(str(value));
    if (label !== 'unknown') return { severity: label, score: null, vector: v4 ? str(v4.score) : '', source };
  }
  return { severity: 'unknown', score: null, vector: v4 ? str(v4.score) : '', source: '' };
}

function rangesOf(affected: Json): AffectedRange[] {
  const out: AffectedRange[] = [];
  for (const r of Array.isArray(affected.ranges) ? affected.ranges.filter(isObj) : []) {
    const type = str(r.type);
    if (type !== 'ECOSYSTEM' && type !== 'DEB' && type !== 'RPM') continue;
    const events: RangeEvent[] = [];
    for (const e of Array.isArray(r.events) ? r.events.filter(isObj) : []) {
      for (const k of ['introduced', 'fixed', 'last_affected', 'limit'] as const) {
        if (typeof e[k] === 'string' && e[k] !== '') events.push({ [k]: e[k] });
      }
    }
    if (events.length) out.push({ type, events });
  }
  return out;
}

function fixOf(ranges: AffectedRange[]): { fixedVersion: string; fixState: FixState } {
  const fixed = ranges.flatMap((r) => r.events.map((e) => e.fixed).filter((f): f is string => f !== undefined));
  if (fixed.length) return { fixedVersion: fixed[0], fixState: 'fixed' };
  return { fixedVersion: '', fixState: ranges.length ? 'not-fixed' : 'unknown' };
}

/** Reduces one OSV record. A record with `withdrawn` set yields only the keys to remove. */
export function parseOsvRecord(record: unknown): ParsedRecord {
  const out: ParsedRecord = { advisories: [], withdrawn: [], skipped: 0 };
  if (!isObj(record) || !str(record.id)) return out;
  const id = str(record.id);
  const cveIds = [...new Set([id, ...strArray(record.aliases), ...strArray(record.upstream)].filter((x) => /^CVE-\d{4}-\d+$/.test(x)))].sort();
  const urls = (Array.isArray(record.references) ? record.references.filter(isObj) : []).map((r) => str(r.url)).filter(Boolean).slice(0, 5);
  const withdrawn = str(record.withdrawn) !== '';
  for (const affected of Array.isArray(record.affected) ? record.affected.filter(isObj) : []) {
    const pkg = isObj(affected.package) ? affected.package : {};
    const releaseKey = releaseKeyOf(str(pkg.ecosystem));
    const sourcePackage = str(pkg.name);
    if (!releaseKey || !sourcePackage) {
      out.skipped++;
      continue;
    }
    if (withdrawn) {
      out.withdrawn.push({ releaseKey, sourcePackage, advisoryId: id });
      continue;
    }
    const ranges = rangesOf(affected);
    const versions = strArray(affected.versions);
    if (!ranges.length && !versions.length) continue;
    const sev = severityOf(record, affected);
    out.advisories.push({
      releaseKey,
      sourcePackage,
      advisoryId: id,
      cveIds,
      summary: (str(record.summary) || str(record.details)).slice(0, 1000),
      severity: sev.severity,
      cvssScore: sev.score,
      cvssVector: sev.vector,
      severitySource: sev.source,
      ranges,
      versions,
      ...fixOf(ranges),
      published: str(record.published),
      modified: str(record.modified),
      urls,
    });
  }
  return out;
}
