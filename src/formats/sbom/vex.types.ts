/**
 * Plain input of the VEX writers (OpenVEX, CycloneDX VEX). The security service fills these from its
 * findings and decisions tables through a VexSource (src/security/vex-source.ts).
 */

/** An advisory matched against one package version (a finding). */
export interface VexFinding {
  /** The advisory's main id (CVE-..., DSA-..., ALSA-..., GHSA-...). */
  advisoryId: string;
  /** Other ids of the same vulnerability (CVE aliases of a DSA, ...), without advisoryId itself. */
  aliases: string[];
  severity: 'critical' | 'high' | 'medium' | 'low' | 'negligible' | 'unknown';
  package: { name: string; version: string; arch: string; purl: string };
  /** The first version that is no longer affected, when the advisory names one. */
  fixedVersion?: string | null;
  /** `resolved`: the package version is no longer affected (feed update, fixed build); default `open`. */
  state?: 'open' | 'resolved';
  description?: string;
}

/** The OpenVEX not_affected justifications (the CycloneDX ones are derived from them). */
export type VexJustification =
  | 'component_not_present'
  | 'vulnerable_code_not_present'
  | 'vulnerable_code_not_in_execute_path'
  | 'vulnerable_code_cannot_be_controlled_by_adversary'
  | 'inline_mitigations_already_exist';

/** A human verdict on the findings of one package version. */
export interface VexDecision {
  action: 'approve' | 'accept_risk' | 'exception' | 'reject' | 'upgrade_required';
  /** The mandatory free-text reason. */
  justification: string;
  /** Optional machine-readable reason for an approve (not_affected); without it the text is the impact statement. */
  vexJustification?: VexJustification | null;
  actor: string;
  /** ISO-8601 time of the decision. */
  at: string;
  package: { name: string; version: string; arch?: string | null };
  /** Advisory ids the decision covers; null or empty = every finding of the package version. */
  advisoryIds?: string[] | null;
  /** exception: when it lapses (an expired exception no longer counts). */
  expiresAt?: string | null;
  /** upgrade_required: the version to move to. */
  targetVersion?: string | null;
}

export interface VexDocumentInfo {
  /** RFC 4122 UUID (without urn:uuid:). */
  serial: string;
  /** ISO-8601; also "now" for deciding whether an exception has expired. */
  timestamp: string;
  author: string;
  toolVersion: string;
  /** Base IRI for the OpenVEX document @id. */
  namespaceBase: string;
}
