import type { AffectedRange } from '../formats/advisories/advisory.types.js';
import type { AdvisoryLookup, AdvisoryRange } from '../hosts/advisory-lookup.js';
import type { AdvisoriesStore, MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { SecuritySettingsService } from './security-settings.service.js';

/**
 * Fleet exposure's view of the imported advisories. Hosts are grouped by release names that match
 * distribution names (jammy, bookworm, almalinux9), which the distribution → feed release map translates.
 * Ranges become [introduced, fixed) pairs; `last_affected` and explicit version lists have no exclusive
 * upper bound in that shape and are left out rather than over-reported.
 */
export class SecurityAdvisoryLookup implements AdvisoryLookup {
  constructor(private readonly deps: { advisories: AdvisoriesStore; settings: SecuritySettingsService }) {}

  async affectedRanges(release: string, sourceNames: string[]): Promise<AdvisoryRange[]> {
    const keys = await this.deps.settings.releaseKeys(release);
    const rows = await this.deps.advisories.lookup(keys, sourceNames);
    return rows.flatMap((r) => toRanges(r, release));
  }

  async advisoriesFor(cve: string): Promise<AdvisoryRange[]> {
    const rows = await this.deps.advisories.byCve(cve);
    if (!rows.length) return [];
    const releasesOf = new Map<string, string[]>();
    for (const { distribution, releases } of await this.deps.settings.releaseMap()) {
      for (const key of releases) releasesOf.set(key, [...(releasesOf.get(key) ?? []), distribution]);
    }
    return rows.flatMap((r) => (releasesOf.get(r.release_key) ?? []).flatMap((release) => toRanges(r, release)));
  }
}

function toRanges(r: MatchableAdvisory, release: string): AdvisoryRange[] {
  const cves = JSON.parse(r.cve_ids) as string[];
  const base = { advisoryId: r.advisory_id, cve: cves[0] ?? r.advisory_id, release, sourceName: r.source_package, severity: r.severity };
  const out: AdvisoryRange[] = [];
  for (const range of JSON.parse(r.ranges) as AffectedRange[]) {
    let start: string | null | undefined;
    for (const e of range.events) {
      if (e.introduced !== undefined) start = e.introduced === '0' ? null : e.introduced;
      else if (e.fixed !== undefined && start !== undefined) {
        out.push({ ...base, introduced: start, fixed: e.fixed });
        start = undefined;
      } else if (e.last_affected !== undefined || e.limit !== undefined) start = undefined;
    }
    // an open range (introduced, never fixed) affects every later version
    if (start !== undefined) out.push({ ...base, introduced: start, fixed: null });
  }
  return out;
}
