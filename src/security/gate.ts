import type { Kysely } from 'kysely';
import type { Database } from '../store/db/schema.js';

/**
 * The security gate's verdict for one package entering one repository (upload or promotion).
 * allow/warn: it goes in (warn is published with a warning); review: stored, not published, queued for a
 * human decision; block: refused and quarantined.
 */
export interface GateVerdict {
  verdict: 'allow' | 'warn' | 'review' | 'block';
  reason: string;
  /** Findings summary for the API answer (counts per severity, advisory ids). */
  summary?: { total: number; bySeverity: Record<string, number>; advisories: string[] };
}

export interface GateSubject {
  packageId: number;
  repositoryId: number;
  /**
   * The package row was created in the caller's transaction: it cannot have findings, a state or decisions
   * of its own yet, so the gate need not look them up.
   */
  fresh?: boolean;
}

/** Every route that puts a package into a repository asks the gate first; none bypasses it. */
export interface PackageGate {
  evaluate(db: Kysely<Database>, subject: GateSubject): Promise<GateVerdict>;
  /** Verdicts for several subjects, in order, each as evaluate() would give it (one read for all, where it can). */
  evaluateMany?(db: Kysely<Database>, subjects: GateSubject[]): Promise<GateVerdict[]>;
}

/** Asks the gate about several subjects in order, at once where the gate can. */
export async function evaluateAll(gate: PackageGate, db: Kysely<Database>, subjects: GateSubject[]): Promise<GateVerdict[]> {
  if (gate.evaluateMany) return gate.evaluateMany(db, subjects);
  const out: GateVerdict[] = [];
  for (const s of subjects) out.push(await gate.evaluate(db, s));
  return out;
}

/** The gate before any policy or feed exists: everything is allowed. Replaced by the security service. */
export const openGate: PackageGate = {
  evaluate: async () => ({ verdict: 'allow', reason: 'no security policy configured' }),
};
