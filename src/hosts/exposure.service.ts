import { AppError } from '../core/errors.js';
import { compareVersions, type VersionFormat } from '../formats/version/index.js';
import type { HostsStore } from '../store/sql/hosts.store.js';
import type { HostsExposureStore } from '../store/sql/hosts-exposure.store.js';
import type { HostsInventoryStore } from '../store/sql/hosts-inventory.store.js';
import { type AdvisoryLookup, type AdvisoryRange, type FixLocator, noAdvisories } from './advisory-lookup.js';
import { packageFormatOf } from './os-release.js';

export interface Exposure {
  hostId: number;
  hostname: string;
  release: string;
  env: string;
  package: string;
  arch: string;
  installedVersion: string;
  advisoryId: string;
  cve: string;
  severity: string;
  /** The version that fixes this advisory; null when no fix is published yet. */
  fixedVersion: string | null;
  /** Packyard repositories whose current content already has the package at or above fixedVersion. */
  fixRepositories: string[];
}

function cmp(format: VersionFormat, a: string, b: string): number | null {
  try {
    return compareVersions(format, a, b);
  } catch {
    return null;
  }
}

/** True when `version` lies in [introduced, fixed); an unparseable version is not claimed affected. */
export function inRange(format: VersionFormat, version: string, r: Pick<AdvisoryRange, 'introduced' | 'fixed'>): boolean {
  if (r.introduced) {
    const c = cmp(format, version, r.introduced);
    if (c === null || c < 0) return false;
  }
  if (r.fixed) {
    const c = cmp(format, version, r.fixed);
    if (c === null || c >= 0) return false;
  }
  return true;
}

/**
 * Which hosts run an affected version. Candidate rows come from SQL over the inventory's (name, version)
 * index restricted to the advisory's releases; the version-range test then uses the format's real ordering
 * (dpkg or rpm), which SQL cannot express.
 */
export class ExposureService {
  private lookup: AdvisoryLookup = noAdvisories;
  private fixes: FixLocator;

  constructor(private readonly deps: { hosts: HostsStore; inventory: HostsInventoryStore; exposure: HostsExposureStore }) {
    // A host in a named environment gets what that environment serves; one without gets `current`.
    this.fixes = {
      served: (format, env, names) => (env && env !== 'current' ? deps.exposure.environmentVersions(names, format, env) : deps.exposure.liveVersions(names, format)),
    };
  }

  /** Wiring point for the security area's advisory store. */
  useAdvisories(lookup: AdvisoryLookup): void {
    this.lookup = lookup;
  }

  /** Wiring point for the environments area: which versions each environment is served. */
  useFixLocator(locator: FixLocator): void {
    this.fixes = locator;
  }

  async byCve(cve: string): Promise<Exposure[]> {
    const ranges = await this.lookup.advisoriesFor(cve);
    return this.match(ranges, null);
  }

  async byPackage(name: string): Promise<Exposure[]> {
    const sources = new Set([name, ...(await this.deps.exposure.sourcesOf([name])).values()]);
    const binaries = new Set([name, ...(await this.deps.exposure.binariesOf([...sources]))]);
    const releases = new Set((await this.deps.inventory.installedOn([...binaries], null)).map((r) => r.release));
    const ranges: AdvisoryRange[] = [];
    for (const release of releases) if (release) ranges.push(...(await this.lookup.affectedRanges(release, [...sources])));
    return this.match(ranges, null);
  }

  async forHost(hostId: number): Promise<Exposure[]> {
    const host = await this.deps.hosts.getById(hostId);
    if (!host) throw new AppError('NOT_FOUND', `Host ${hostId} does not exist`);
    if (!host.release) return [];
    const installed = (await this.deps.inventory.installed(hostId)).filter((p) => p.state !== 'removed');
    const sourceOf = await this.deps.exposure.sourcesOf(installed.map((p) => p.name));
    const sources = new Set(installed.map((p) => sourceOf.get(p.name) ?? p.name));
    const ranges = await this.lookup.affectedRanges(host.release, [...sources]);
    return this.match(ranges, hostId);
  }

  private async match(ranges: AdvisoryRange[], hostId: number | null): Promise<Exposure[]> {
    if (ranges.length === 0) return [];
    // Which binary names each (release, source) covers: the source itself, binaries Packyard knows, and any
    // the advisory lists.
    const sources = [...new Set(ranges.map((r) => r.sourceName))];
    const known = await this.deps.exposure.sourcesOf(await this.deps.exposure.binariesOf(sources));
    const binariesBySource = new Map<string, Set<string>>(sources.map((s) => [s, new Set([s])]));
    for (const [bin, src] of known) binariesBySource.get(src)?.add(bin);
    for (const r of ranges) for (const b of r.binaryNames ?? []) binariesBySource.get(r.sourceName)!.add(b);

    const names = [...new Set([...binariesBySource.values()].flatMap((s) => [...s]))];
    const releases = [...new Set(ranges.map((r) => r.release))];
    const rows = await this.deps.inventory.installedOn(names, releases, hostId ?? undefined);
    const rangesByKey = new Map<string, AdvisoryRange[]>();
    for (const r of ranges) {
      for (const bin of binariesBySource.get(r.sourceName)!) {
        const key = `${r.release}\0${bin}`;
        rangesByKey.set(key, [...(rangesByKey.get(key) ?? []), r]);
      }
    }
    const fixes = new FixIndex(this.fixes);
    // A fleet runs few distinct versions: the range test and the format are computed once per distinct input.
    const formats = new Map<string, VersionFormat>();
    const verdicts = new Map<string, boolean>();
    const out: Exposure[] = [];
    for (const row of rows) {
      const fk = `${row.osFamily}\0${row.release}`;
      let format = formats.get(fk);
      if (!format) formats.set(fk, (format = packageFormatOf(row.osFamily, row.release)));
      for (const r of rangesByKey.get(`${row.release}\0${row.name}`) ?? []) {
        const vk = `${format}\0${row.version}\0${r.introduced ?? ''}\0${r.fixed ?? ''}`;
        let affected = verdicts.get(vk);
        if (affected === undefined) verdicts.set(vk, (affected = inRange(format, row.version, r)));
        if (!affected) continue;
        out.push({
          hostId: row.hostId,
          hostname: row.hostname,
          release: row.release,
          env: row.env,
          package: row.name,
          arch: row.arch,
          installedVersion: row.version,
          advisoryId: r.advisoryId,
          cve: r.cve,
          severity: r.severity,
          fixedVersion: r.fixed,
          fixRepositories: r.fixed ? await fixes.carrying(format, row.env, row.name, r.sourceName, r.fixed) : [],
        });
      }
    }
    out.sort((a, b) => a.hostId - b.hostId || a.package.localeCompare(b.package) || a.cve.localeCompare(b.cve));
    return out;
  }
}

/** Repositories carrying a fixed version, computed once per (format, env, package, fixed) within one query. */
class FixIndex {
  private readonly cache = new Map<string, Promise<string[]>>();

  constructor(private readonly locator: FixLocator) {}

  carrying(format: VersionFormat, env: string, name: string, source: string, fixed: string): Promise<string[]> {
    const key = `${format}\0${env}\0${name}\0${source}\0${fixed}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.locator.served(format, env, [name, source]).then((rows) => {
        const repos = rows.filter((r) => (r.name === name || r.source === source) && (cmp(format, r.version, fixed) ?? -1) >= 0).map((r) => r.repository);
        return [...new Set(repos)].sort();
      });
      this.cache.set(key, hit);
    }
    return hit;
  }
}
