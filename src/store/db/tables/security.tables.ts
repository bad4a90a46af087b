import type { Generated } from 'kysely';

/** Tables of the security area: feeds, advisories, findings, review state, decisions, settings. */
export interface SecurityFeedsTable {
  id: Generated<number>;
  name: string;
  /** osv | debian-tracker */
  format: string;
  /** Empty for feeds imported from uploaded files. */
  url: string;
  /** 0 = no scheduled refresh. */
  refresh_hours: number;
  /** Optional "<distribution>[=<release key>]" mapping applied after each import. */
  distribution: string;
  created_at: string;
  created_by: string;
  last_import_at: string | null;
  last_status: string;
  last_error: string;
  /** JSON counts of the last import. */
  last_counts: string;
  next_refresh_at: string | null;
}

/**
 * One advisory per (feed release, source package, advisory id); `key` joins the three so upserts are one
 * indexed lookup. Matching reads by (release_key, source_package). Ranges stay JSON on the row: the matcher
 * always needs all of them at once, so a separate range table would only add a join.
 */
export interface SecurityAdvisoriesTable {
  id: Generated<number>;
  key: string;
  feed_id: number | null;
  release_key: string;
  source_package: string;
  advisory_id: string;
  cve_ids: string;
  summary: string;
  severity: string;
  cvss_score: number | null;
  cvss_vector: string;
  severity_source: string;
  ranges: string;
  versions: string;
  fixed_version: string;
  fix_state: string;
  published: string;
  modified: string;
  urls: string;
  content_hash: string;
  imported_at: string;
}

/** An advisory matching a package in a repository. Resolved findings stay for history. */
export interface SecurityFindingsTable {
  id: Generated<number>;
  package_id: number;
  repository_id: number;
  advisory_row_id: number;
  advisory_id: string;
  cve_ids: string;
  severity: string;
  fixed_version: string;
  fix_state: string;
  first_seen: string;
  last_seen: string;
  /** open | resolved */
  state: string;
}

/** The gate's standing verdict for a package in a repository (pending_review, blocked, approved, ...). */
export interface SecurityPackageStatesTable {
  package_id: number;
  repository_id: number;
  status: string;
  reason: string;
  updated_at: string;
  updated_by: string;
}

export interface SecurityDecisionsTable {
  id: Generated<number>;
  package_id: number;
  repository_id: number;
  name: string;
  version: string;
  arch: string;
  distribution: string;
  /** approve | accept_risk | exception | reject | upgrade_required */
  action: string;
  justification: string;
  /** JSON array of advisory/CVE ids the decision covers. */
  cve_ids: string;
  expires_at: string | null;
  target_version: string;
  /** active | superseded | expired | resolved */
  state: string;
  actor: string;
  role: string;
  created_at: string;
  ended_at: string | null;
}

/** Small JSON settings of the area: the policy and the distribution → feed release map. */
export interface SecuritySettingsTable {
  key: string;
  value: string;
  updated_at: string;
  updated_by: string;
}

export interface SecurityTables {
  security_feeds: SecurityFeedsTable;
  security_advisories: SecurityAdvisoriesTable;
  security_findings: SecurityFindingsTable;
  security_package_states: SecurityPackageStatesTable;
  security_decisions: SecurityDecisionsTable;
  security_settings: SecuritySettingsTable;
}
