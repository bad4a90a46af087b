/**
 * From findings and decisions to VEX statements, shared by the OpenVEX and CycloneDX VEX writers.
 *
 * The effective decision of a finding is the newest decision (by `at`) for the same package name and version
 * (and arch, when the decision names one) that covers the finding's advisory id or one of its aliases (a
 * decision without advisory ids covers all); an exception past its expiry does not count, matching the
 * review flow where exceptions expire back into review.
 *
 * | finding / effective decision | OpenVEX status       | OpenVEX detail                              | CycloneDX analysis              |
 * |------------------------------|----------------------|---------------------------------------------|---------------------------------|
 * | finding state `resolved`     | fixed                | status_notes                                | resolved                        |
 * | approve                      | not_affected         | justification (if given) + impact_statement | not_affected + justification    |
 * | accept_risk                  | affected             | action_statement "risk accepted: ..."       | exploitable, response will_not_fix |
 * | exception (not expired)      | affected             | action_statement "exception until ...: ..." | exploitable, response will_not_fix |
 * | reject                       | affected             | action_statement "rejected, withdrawn: ..." | exploitable (no response)       |
 * | upgrade_required             | affected             | action_statement "upgrade to ...: ..."      | exploitable, response update    |
 * | no decision                  | under_investigation  | —                                           | in_triage                       |
 *
 * Accepted risks and exceptions are deliberately `affected`, not `not_affected`: the reviewer tolerated a
 * vulnerability, they did not state it is absent, and a VEX consumer must not suppress it on that basis. Only
 * `approve` (the reviewer's statement that the finding does not apply) becomes `not_affected`; its free-text
 * justification is the impact statement and a machine justification is added when the decision carries one.
 * CycloneDX justifications map from OpenVEX ones: component_not_present and vulnerable_code_not_present →
 * code_not_present, vulnerable_code_not_in_execute_path → code_not_reachable, the other two →
 * protected_by_mitigating_control.
 */
import type { VexDecision, VexFinding, VexJustification } from './vex.types.js';

export type VexStatus = 'not_affected' | 'affected' | 'fixed' | 'under_investigation';

export interface VexStatement {
  finding: VexFinding;
  decision: VexDecision | null;
  status: VexStatus;
  justification?: VexJustification;
  impactStatement?: string;
  actionStatement?: string;
  statusNotes?: string;
  cdxResponse?: Array<'will_not_fix' | 'update'>;
}

function covers(d: VexDecision, f: VexFinding, now: string): boolean {
  if (d.package.name !== f.package.name || d.package.version !== f.package.version) return false;
  if (d.package.arch && d.package.arch !== f.package.arch) return false;
  if (d.action === 'exception' && d.expiresAt && d.expiresAt <= now) return false;
  if (!d.advisoryIds?.length) return true;
  return d.advisoryIds.includes(f.advisoryId) || f.aliases.some((a) => d.advisoryIds!.includes(a));
}

export function effectiveDecision(f: VexFinding, decisions: VexDecision[], now: string): VexDecision | null {
  let best: VexDecision | null = null;
  for (const d of decisions) if (covers(d, f, now) && (!best || d.at > best.at)) best = d;
  return best;
}

export function vexStatement(f: VexFinding, decisions: VexDecision[], now: string): VexStatement {
  if (f.state === 'resolved') {
    return { finding: f, decision: null, status: 'fixed', statusNotes: `${f.package.name} ${f.package.version} is no longer affected` };
  }
  const d = effectiveDecision(f, decisions, now);
  if (!d) return { finding: f, decision: null, status: 'under_investigation' };
  const by = `${d.actor} on ${d.at}`;
  switch (d.action) {
    case 'approve':
      return { finding: f, decision: d, status: 'not_affected', impactStatement: d.justification, ...(d.vexJustification ? { justification: d.vexJustification } : {}), statusNotes: `approved by ${by}` };
    case 'accept_risk':
      return { finding: f, decision: d, status: 'affected', actionStatement: `Risk accepted by ${by}: ${d.justification}`, cdxResponse: ['will_not_fix'] };
    case 'exception':
      return { finding: f, decision: d, status: 'affected', actionStatement: `Exception granted by ${by}${d.expiresAt ? ` until ${d.expiresAt}` : ''}: ${d.justification}`, cdxResponse: ['will_not_fix'] };
    case 'reject':
      return { finding: f, decision: d, status: 'affected', actionStatement: `Rejected by ${by}; the package is quarantined and not published: ${d.justification}` };
    case 'upgrade_required': {
      const target = d.targetVersion ?? f.fixedVersion;
      return { finding: f, decision: d, status: 'affected', actionStatement: `Upgrade required${target ? ` to ${target}` : ''} (${by}): ${d.justification}`, cdxResponse: ['update'] };
    }
  }
}

export const CDX_JUSTIFICATION: Record<VexJustification, string> = {
  component_not_present: 'code_not_present',
  vulnerable_code_not_present: 'code_not_present',
  vulnerable_code_not_in_execute_path: 'code_not_reachable',
  vulnerable_code_cannot_be_controlled_by_adversary: 'protected_by_mitigating_control',
  inline_mitigations_already_exist: 'protected_by_mitigating_control',
};

/** Statements in a stable order: advisory id, then package purl. */
export function vexStatements(findings: VexFinding[], decisions: VexDecision[], now: string): VexStatement[] {
  const sorted = [...findings].sort((a, b) => cmp(a.advisoryId, b.advisoryId) || cmp(a.package.purl, b.package.purl));
  return sorted.map((f) => vexStatement(f, decisions, now));
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
