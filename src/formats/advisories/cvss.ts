/**
 * CVSS base scores and severity labels.
 * v3.0/v3.1: base score per the FIRST specification (section 7.1 formulas, Appendix A Roundup for 3.1).
 * v4.0 is scored in cvss4.ts (MacroVector lookup and interpolation); severityFromScore serves both.
 */
import type { Severity } from './advisory.types.js';

const AV: Record<string, number> = { N: 0.85, A: 0.62, L: 0.55, P: 0.2 };
const AC: Record<string, number> = { L: 0.77, H: 0.44 };
const UI: Record<string, number> = { N: 0.85, R: 0.62 };
const CIA: Record<string, number> = { H: 0.56, L: 0.22, N: 0 };

/** CVSS 3.1 Roundup: the smallest one-decimal number >= x, computed on integers to avoid float drift. */
function roundup31(x: number): number {
  const i = Math.round(x * 100000);
  return i % 10000 === 0 ? i / 100000 : (Math.floor(i / 10000) + 1) / 10;
}

function roundup30(x: number): number {
  return Math.ceil(x * 10) / 10;
}

/** Base score of a "CVSS:3.x/AV:../AC:../PR:../UI:../S:../C:../I:../A:.." vector, or null if it is not one. */
export function cvss3BaseScore(vector: string): number | null {
  const m = /^CVSS:3\.([01])\/(.*)$/.exec(vector.trim());
  if (!m) return null;
  const metrics = new Map<string, string>();
  for (const part of m[2].split('/')) {
    const [k, v] = part.split(':');
    if (!k || v === undefined || metrics.has(k)) return null;
    metrics.set(k, v);
  }
  const get = (k: string) => metrics.get(k) ?? '';
  const scope = get('S');
  if (scope !== 'U' && scope !== 'C') return null;
  const changed = scope === 'C';
  const pr = { N: 0.85, L: changed ? 0.68 : 0.62, H: changed ? 0.5 : 0.27 }[get('PR')];
  const [av, ac, ui, c, i, a] = [AV[get('AV')], AC[get('AC')], UI[get('UI')], CIA[get('C')], CIA[get('I')], CIA[get('A')]];
  if ([av, ac, ui, c, i, a, pr].some((x) => x === undefined)) return null;
  const iss = 1 - (1 - c) * (1 - i) * (1 - a);
  const impact = changed ? 7.52 * (iss - 0.029) - 3.25 * (iss - 0.02) ** 15 : 6.42 * iss;
  const exploitability = 8.22 * av * ac * pr! * ui;
  if (impact <= 0) return 0;
  const roundup = m[1] === '1' ? roundup31 : roundup30;
  return roundup(Math.min((changed ? 1.08 : 1) * (impact + exploitability), 10));
}

/** Qualitative rating of a CVSS v3/v4 score (specification table 14); 0.0 ("None") is negligible here. */
export function severityFromScore(score: number): Severity {
  if (score >= 9) return 'critical';
  if (score >= 7) return 'high';
  if (score >= 4) return 'medium';
  if (score > 0) return 'low';
  return 'negligible';
}

/**
 * Maps the labels feeds use (Ubuntu priorities, Debian urgencies, Red Hat/SUSE/Alma severities) to ours.
 * Debian marks guessed urgencies with "**"; "unimportant" and Ubuntu's "negligible" both mean no real risk.
 */
export function severityFromLabel(label: string): Severity {
  const l = label.trim().toLowerCase().replace(/\*+$/, '').trim();
  switch (l) {
    case 'critical':
    case 'urgent':
      return 'critical';
    case 'high':
    case 'important':
      return 'high';
    case 'medium':
    case 'moderate':
      return 'medium';
    case 'low':
      return 'low';
    case 'negligible':
    case 'unimportant':
    case 'none':
      return 'negligible';
    default:
      return 'unknown';
  }
}
