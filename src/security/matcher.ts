import type { AffectedRange } from '../formats/advisories/advisory.types.js';
import { type PreparedRanges, isAffectedPrepared, prepareRanges } from '../formats/advisories/match.js';
import { compareVersions } from '../formats/version/index.js';
import type { MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { PackageSubject } from '../store/sql/security-packages.store.js';

/**
 * Decides which advisories affect a package. Advisories name source packages (deb `Source:`, rpm source
 * rpm name); some rpm feeds name binaries, so both names are looked up. Debian advisories version the
 * source package, so deb packages are compared by their source version (a binNMU "+b1" binary still
 * belongs to its source version); rpm packages by their own EVR.
 */
export class Matcher {
  // Prepared ranges by format and advisory row id: one re-match parses and sorts each advisory once.
  private readonly cache = new Map<string, PreparedRanges>();
  // Verdicts by advisory and version: the binaries of one source share its version, so one re-match
  // compares each (advisory, source version) once.
  private readonly verdicts = new Map<string, boolean>();

  static lookupNames(pkg: PackageSubject): string[] {
    return pkg.source && pkg.source !== pkg.name ? [pkg.source, pkg.name] : [pkg.name];
  }

  static matchVersion(pkg: PackageSubject): string {
    return pkg.format === 'deb' ? pkg.source_version || pkg.version : pkg.version;
  }

  private prepared(format: 'deb' | 'rpm', a: MatchableAdvisory): PreparedRanges {
    const key = `${format}${a.id}`;
    let p = this.cache.get(key);
    if (!p) {
      p = prepareRanges(format, JSON.parse(a.ranges) as AffectedRange[], JSON.parse(a.versions) as string[]);
      this.cache.set(key, p);
    }
    return p;
  }

  /** The candidate advisories (already narrowed to the package's release keys and names) that affect it. */
  affecting(pkg: PackageSubject, candidates: Iterable<MatchableAdvisory>): MatchableAdvisory[] {
    const names = Matcher.lookupNames(pkg);
    const version = Matcher.matchVersion(pkg);
    const out: MatchableAdvisory[] = [];
    try {
      compareVersions(pkg.format, version, version);
    } catch {
      return out;
    }
    const seen = new Set<number>();
    for (const a of candidates) {
      if (seen.has(a.id) || !names.includes(a.source_package)) continue;
      seen.add(a.id);
      const key = `${pkg.format}${a.id}|${version}`;
      let hit = this.verdicts.get(key);
      if (hit === undefined) {
        hit = isAffectedPrepared(pkg.format, version, this.prepared(pkg.format, a));
        this.verdicts.set(key, hit);
      }
      if (hit) out.push(a);
    }
    return out;
  }
}
