/**
 * The gate's decision for one package in one repository, from its open findings, the active human
 * decision (if any) and the distribution's policy. Pure, so upload, promotion, re-matching and expiry all
 * reach the same verdict for the same facts.
 */
import type { GateVerdict } from './gate.js';
import { type SeverityPolicy, strictestAction } from './policy.js';

export interface OpenFinding {
  advisory_id: string;
  cve_ids: string[];
  severity: string;
}

export interface ActiveDecision {
  id: number;
  action: string;
  cve_ids: string[];
  expires_at: string | null;
  target_version: string;
}

export type PackageStatus =
  | 'accepted'
  | 'warned'
  | 'pending_review'
  | 'blocked'
  | 'approved'
  | 'accepted_risk'
  | 'exception'
  | 'quarantined'
  | 'upgrade_required';

export interface Assessment extends GateVerdict {
  status: PackageStatus;
}

const POLICY_STATUS = { block: 'blocked', review: 'pending_review', warn: 'warned', allow: 'accepted' } as const;
const DECISION_STATUS: Record<string, PackageStatus> = { approve: 'approved', accept_risk: 'accepted_risk', exception: 'exception' };

export function summarize(findings: OpenFinding[]): NonNullable<GateVerdict['summary']> {
  const bySeverity: Record<string, number> = {};
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  const advisories = [...new Set(findings.flatMap((f) => (f.cve_ids.length ? f.cve_ids : [f.advisory_id])))].sort();
  return { total: findings.length, bySeverity, advisories };
}

export function findingIds(f: OpenFinding): string[] {
  return [f.advisory_id, ...f.cve_ids];
}

export function assess(open: OpenFinding[], decision: ActiveDecision | undefined, policy: SeverityPolicy, now: string): Assessment {
  const summary = summarize(open);
  if (decision && !(decision.expires_at !== null && decision.expires_at <= now)) {
    if (decision.action === 'reject') return { verdict: 'block', status: 'quarantined', reason: `rejected by decision #${decision.id}`, summary };
    if (decision.action === 'upgrade_required') {
      return { verdict: 'review', status: 'upgrade_required', reason: `decision #${decision.id}: upgrade to ${decision.target_version} required`, summary };
    }
    const covered = new Set(decision.cve_ids);
    const uncovered = open.filter((f) => !findingIds(f).some((id) => covered.has(id)));
    if (uncovered.length === 0) {
      return { verdict: 'allow', status: DECISION_STATUS[decision.action] ?? 'approved', reason: `accepted by decision #${decision.id}`, summary };
    }
    open = uncovered;
  }
  const action = strictestAction(policy, open.map((f) => f.severity));
  const counts = summarize(open).bySeverity;
  const detail = Object.entries(counts)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
  const reason = open.length === 0 ? 'no known vulnerabilities' : `${open.length} finding(s) (${detail}): policy says ${action}`;
  return { verdict: action, status: POLICY_STATUS[action], reason, summary };
}
