/**
 * What fleet exposure needs from the security area's advisory store, and nothing more. The security area
 * implements this over its advisories table; exposure never reads that table itself.
 */
export interface AdvisoryRange {
  /** The advisory's own id (DSA-5532-1, USN-6450-1, an OSV id, ...). */
  advisoryId: string;
  /** The CVE the range is about (the advisory id when the feed names no CVE). */
  cve: string;
  /** Release name as hosts are grouped: Debian/Ubuntu codename (jammy, bookworm) or rpm "<id><major>" (almalinux9). */
  release: string;
  /** Source package the advisory is keyed by. */
  sourceName: string;
  /** Binary packages built from that source, when the feed knows them (Ubuntu OSV does); optional. */
  binaryNames?: string[];
  /** First affected version (inclusive); null when every version before `fixed` is affected. */
  introduced: string | null;
  /** First fixed version (exclusive upper bound); null when no fix exists yet. */
  fixed: string | null;
  /** critical | high | medium | low | unknown. */
  severity: string;
}

export interface AdvisoryLookup {
  /** Every range of one CVE (or advisory id), across all releases. */
  advisoriesFor(cve: string): Promise<AdvisoryRange[]>;
  /** Every range that applies to the given source packages in one release. */
  affectedRanges(release: string, sourceNames: string[]): Promise<AdvisoryRange[]>;
}

/** The lookup until the security area is wired in: no advisories, so nothing is reported exposed. */
export const noAdvisories: AdvisoryLookup = {
  advisoriesFor: async () => [],
  affectedRanges: async () => [],
};

/** A package version a repository serves to an environment. */
export interface ServedVersion {
  repository: string;
  name: string;
  source: string;
  version: string;
}

/**
 * Where fixed versions can be found: the packages of the given names (binary or source) that repositories
 * serve to hosts of environment `env`. The default (CurrentContentLocator) looks at every repository's
 * `current` content; the environments area can supply one that resolves `env` to the snapshot each
 * repository's environment points at.
 */
export interface FixLocator {
  served(format: 'deb' | 'rpm', env: string, names: string[]): Promise<ServedVersion[]>;
}
