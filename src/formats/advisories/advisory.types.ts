/**
 * The normalised shape every vulnerability feed is reduced to: one advisory per (feed release, source
 * package, advisory id). Matching needs nothing else.
 */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

export type FixState = 'fixed' | 'not-fixed' | 'unknown';

/** One OSV event; exactly one key is set. "0" as `introduced` means "from the first version". */
export interface RangeEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

export interface AffectedRange {
  /** ECOSYSTEM, DEB and RPM ranges are ordered with the distribution's own version rules. */
  type: 'ECOSYSTEM' | 'DEB' | 'RPM';
  events: RangeEvent[];
}

export interface Advisory {
  /** Feed release this advisory applies to: an OSV ecosystem ("Debian:12", "Ubuntu:22.04") or "debian-tracker:<codename>". */
  releaseKey: string;
  sourcePackage: string;
  advisoryId: string;
  /** CVE ids (the advisory id itself when it is one), sorted. */
  cveIds: string[];
  summary: string;
  severity: Severity;
  /** Base score of the CVSS vector the severity came from; null when it came from a label. */
  cvssScore: number | null;
  cvssVector: string;
  /** Where the severity came from: "CVSS_V3", "Ubuntu", "urgency", "database_specific", ... */
  severitySource: string;
  ranges: AffectedRange[];
  /** Explicitly listed affected versions (OSV `versions`). */
  versions: string[];
  /** The lowest fixed version of the ranges, for display; "" when none is known. */
  fixedVersion: string;
  fixState: FixState;
  published: string;
  modified: string;
  urls: string[];
}

/** What one feed record produced. Withdrawn records name the advisories to remove. */
export interface ParsedRecord {
  advisories: Advisory[];
  withdrawn: Array<{ releaseKey: string; sourcePackage: string; advisoryId: string }>;
  /** affected[] entries of ecosystems Packyard does not serve. */
  skipped: number;
}
