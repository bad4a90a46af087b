import { isAffected } from '../formats/advisories/match.js';
import type { AffectedRange } from '../formats/advisories/advisory.types.js';
import type { MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { PackageSubject } from '../store/sql/security-packages.store.js';

interface ParsedRanges {
  ranges: AffectedRange[];
  versions: string[];
}

/**
 * Decides which advisories affect a package. Advisories name source packages (deb `Source:`, rpm source
 * rpm name); some rpm feeds name binaries, so both names are looked up. Debian advisories version the
 * source package, so deb packages are compared by their source version (a binNMU "+b1" binary still
 * belongs to its source version); rpm packages by their own EVR.
 */
export class Matcher {
  // Parsed ranges by advisory row id: one re-match parses each advisory once.
  private readonly cache = new Map<number, ParsedRanges>();

  static lookupNames(pkg: PackageSubject): string[] {
    return pkg.source && pkg.source !== pkg.name ? [pkg.source, pkg.name] : [pkg.name];
  }

  static matchVersion(pkg: PackageSubject): string {
    return pkg.format === 'deb' ? pkg.source_version || pkg.version : pkg.version;
  }

  private parsed(a: MatchableAdvisory): ParsedRanges {
    let p = this.cache.get(a.id);
    if (!p) {
      p = { ranges: JSON.parse(a.ranges) as AffectedRange[], versions: JSON.parse(a.versions) as string[] };
      this.cache.set(a.id, p);
    }
    return p;
  }

  /** The candidate advisories (already narrowed to the package's release keys and names) that affect it. */
  affecting(pkg: PackageSubject, candidates: Iterable<MatchableAdvisory>): MatchableAdvisory[] {
    const names = Matcher.lookupNames(pkg);
    const version = Matcher.matchVersion(pkg);
    const out: MatchableAdvisory[] = [];
    const seen = new Set<number>();
    for (const a of candidates) {
      if (seen.has(a.id) || !names.includes(a.source_package)) continue;
      seen.add(a.id);
      const { ranges, versions } = this.parsed(a);
      if (isAffected(pkg.format, version, ranges, versions)) out.push(a);
    }
    return out;
  }
}
