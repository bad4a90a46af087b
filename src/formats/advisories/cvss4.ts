/**
 * CVSS v4.0 base scores (FIRST CVSS v4.0 specification, section 8): the vector's MacroVector (EQ1..EQ6) selects a
 * score from the official lookup table, and the vector's severity distance from the highest-severity vectors of
 * its MacroVector moves the score toward the next lower MacroVectors. Threat and environmental metrics take part
 * as the specification says (E:X counts as E:A, CR/IR/AR:X as H, M* metrics replace their base metric), so a
 * vector carrying them yields the CVSS-BTE score the reference calculator shows.
 */

const BASE: Record<string, string[]> = {
  AV: ['N', 'A', 'L', 'P'], AC: ['L', 'H'], AT: ['N', 'P'], PR: ['N', 'L', 'H'], UI: ['N', 'P', 'A'],
  VC: ['H', 'L', 'N'], VI: ['H', 'L', 'N'], VA: ['H', 'L', 'N'], SC: ['H', 'L', 'N'], SI: ['H', 'L', 'N'], SA: ['H', 'L', 'N'],
};
const OPTIONAL: Record<string, string[]> = {
  E: ['X', 'A', 'P', 'U'], CR: ['X', 'H', 'M', 'L'], IR: ['X', 'H', 'M', 'L'], AR: ['X', 'H', 'M', 'L'],
  MAV: ['X', 'N', 'A', 'L', 'P'], MAC: ['X', 'L', 'H'], MAT: ['X', 'N', 'P'], MPR: ['X', 'N', 'L', 'H'], MUI: ['X', 'N', 'P', 'A'],
  MVC: ['X', 'H', 'L', 'N'], MVI: ['X', 'H', 'L', 'N'], MVA: ['X', 'H', 'L', 'N'], MSC: ['X', 'H', 'L', 'N'],
  MSI: ['X', 'S', 'H', 'L', 'N'], MSA: ['X', 'S', 'H', 'L', 'N'],
  S: ['X', 'N', 'P'], AU: ['X', 'N', 'Y'], R: ['X', 'A', 'U', 'I'], V: ['X', 'D', 'C'], RE: ['X', 'L', 'M', 'H'],
  U: ['X', 'Clear', 'Green', 'Amber', 'Red'],
};

/**
 * The specification's MacroVector table. Key: EQ1 EQ2 EQ3 EQ4; values for EQ5 EQ6 = 00, 01, 10, 11, 20, 21.
 * EQ3 = 2 exists only with EQ6 = 1, so those rows have null where EQ6 = 0. 216 + 54 = 270 MacroVectors.
 */
const TABLE: Record<string, Array<number | null>> = {
  '0000': [10, 9.9, 9.8, 9.5, 9.5, 9.2], '0001': [10, 9.6, 9.3, 8.7, 9.1, 8.1], '0002': [9.3, 9, 8.9, 8, 8.1, 6.8],
  '0010': [9.8, 9.5, 9.5, 9.2, 9, 8.4], '0011': [9.3, 9.2, 8.9, 8.1, 8.1, 6.5], '0012': [8.8, 8, 7.8, 7, 6.9, 4.8],
  '0020': [null, 9.2, null, 8.2, null, 7.2], '0021': [null, 7.9, null, 6.9, null, 5], '0022': [null, 6.9, null, 5.5, null, 2.7],
  '0100': [9.9, 9.7, 9.5, 9.2, 9.2, 8.5], '0101': [9.5, 9.1, 9, 8.3, 8.4, 7.1], '0102': [9.2, 8.1, 8.2, 7.1, 7.2, 5.3],
  '0110': [9.5, 9.3, 9.2, 8.5, 8.5, 7.3], '0111': [9.2, 8.2, 8, 7.2, 7, 5.9], '0112': [8.4, 7, 7.1, 5.2, 5, 3],
  '0120': [null, 8.6, null, 7.5, null, 5.2], '0121': [null, 7.1, null, 5.2, null, 2.9], '0122': [null, 6.3, null, 2.9, null, 1.7],
  '1000': [9.8, 9.5, 9.4, 8.7, 9.1, 8.1], '1001': [9.4, 8.9, 8.6, 7.4, 7.7, 6.4], '1002': [8.7, 7.5, 7.4, 6.3, 6.3, 4.9],
  '1010': [9.4, 8.9, 8.8, 7.7, 7.6, 6.7], '1011': [8.6, 7.6, 7.4, 5.8, 5.9, 5], '1012': [7.2, 5.7, 5.7, 5.2, 5.2, 2.5],
  '1020': [null, 8.3, null, 7, null, 5.4], '1021': [null, 6.5, null, 5.8, null, 2.6], '1022': [null, 5.3, null, 2.1, null, 1.3],
  '1100': [9.5, 9, 8.8, 7.6, 7.6, 7], '1101': [9, 7.7, 7.5, 6.2, 6.1, 5.3], '1102': [7.7, 6.6, 6.8, 5.9, 5.2, 3],
  '1110': [8.9, 7.8, 7.6, 6.7, 6.2, 5.8], '1111': [7.4, 5.9, 5.7, 5.7, 4.7, 2.3], '1112': [6.1, 5.2, 5.7, 2.9, 2.4, 1.6],
  '1120': [null, 7.1, null, 5.9, null, 3], '1121': [null, 5.8, null, 2.6, null, 1.5], '1122': [null, 2.3, null, 1.3, null, 0.6],
  '2000': [9.3, 8.7, 8.6, 7.2, 7.5, 5.8], '2001': [8.6, 7.4, 7.4, 6.1, 5.6, 3.4], '2002': [7, 5.4, 5.2, 4, 4, 2.2],
  '2010': [8.5, 7.5, 7.4, 5.5, 6.2, 5.1], '2011': [7.2, 5.7, 5.5, 4.1, 4.6, 1.9], '2012': [5.3, 3.6, 3.4, 1.9, 1.9, 0.8],
  '2020': [null, 6.4, null, 5.1, null, 2], '2021': [null, 4.7, null, 2.1, null, 1.1], '2022': [null, 2.4, null, 0.9, null, 0.4],
  '2100': [8.8, 7.5, 7.3, 5.3, 6, 5], '2101': [7.3, 5.5, 5.9, 4, 4.1, 2], '2102': [5.4, 4.3, 4.5, 2.2, 2, 1.1],
  '2110': [7.5, 5.5, 5.8, 4.5, 4, 2.1], '2111': [6.1, 5.1, 4.8, 1.8, 2, 0.9], '2112': [4.6, 1.8, 1.7, 0.7, 0.8, 0.2],
  '2120': [null, 5.3, null, 2.4, null, 1.4], '2121': [null, 2.4, null, 1.2, null, 0.5], '2122': [null, 1, null, 0.3, null, 0.1],
};

/** Score of a MacroVector [eq1..eq6], or undefined where the table has none (beyond the lowest level). */
export function macroVectorScore(eq: number[]): number | undefined {
  const row = TABLE[eq.slice(0, 4).join('')];
  return row?.[eq[4] * 2 + eq[5]] ?? undefined;
}

/** Severity levels (tenths) of each metric value, as in the specification's distance computation. */
const LEVEL: Record<string, Record<string, number>> = {
  AV: { N: 0, A: 1, L: 2, P: 3 }, PR: { N: 0, L: 1, H: 2 }, UI: { N: 0, P: 1, A: 2 },
  AC: { L: 0, H: 1 }, AT: { N: 0, P: 1 },
  VC: { H: 0, L: 1, N: 2 }, VI: { H: 0, L: 1, N: 2 }, VA: { H: 0, L: 1, N: 2 },
  SC: { H: 1, L: 2, N: 3 }, SI: { S: 0, H: 1, L: 2, N: 3 }, SA: { S: 0, H: 1, L: 2, N: 3 },
  CR: { H: 0, M: 1, L: 2 }, IR: { H: 0, M: 1, L: 2 }, AR: { H: 0, M: 1, L: 2 },
};

/** Highest-severity vectors of each EQ level (EQ3 and EQ6 together, keyed "eq3eq6"). */
const MAX_VECTORS = {
  eq1: [['AV:N/PR:N/UI:N'], ['AV:A/PR:N/UI:N', 'AV:N/PR:L/UI:N', 'AV:N/PR:N/UI:P'], ['AV:P/PR:N/UI:N', 'AV:A/PR:L/UI:P']],
  eq2: [['AC:L/AT:N'], ['AC:H/AT:N', 'AC:L/AT:P']],
  eq3eq6: {
    '00': ['VC:H/VI:H/VA:H/CR:H/IR:H/AR:H'],
    '01': ['VC:H/VI:H/VA:L/CR:M/IR:M/AR:H', 'VC:H/VI:H/VA:H/CR:M/IR:M/AR:M'],
    '10': ['VC:L/VI:H/VA:H/CR:H/IR:H/AR:H', 'VC:H/VI:L/VA:H/CR:H/IR:H/AR:H'],
    '11': ['VC:L/VI:H/VA:L/CR:H/IR:M/AR:H', 'VC:L/VI:H/VA:H/CR:H/IR:M/AR:M', 'VC:H/VI:L/VA:H/CR:M/IR:H/AR:M',
      'VC:H/VI:L/VA:L/CR:M/IR:H/AR:H', 'VC:L/VI:L/VA:H/CR:H/IR:H/AR:M'],
    '21': ['VC:L/VI:L/VA:L/CR:H/IR:H/AR:H'],
  } as Record<string, string[]>,
  eq4: [['SC:H/SI:S/SA:S'], ['SC:H/SI:H/SA:H'], ['SC:L/SI:L/SA:L']],
};

/** Depth (in tenths) of each EQ level: the largest severity distance a vector of that level can have. */
const DEPTH = { eq1: [1, 4, 5], eq2: [1, 2], eq3eq6: { '00': 7, '01': 6, '10': 8, '11': 8, '21': 10 } as Record<string, number>, eq4: [6, 5, 4] };

function parse(vector: string): Map<string, string> | null {
  const m = /^CVSS:4\.0\/(.+)$/.exec(vector.trim());
  if (!m) return null;
  const metrics = new Map<string, string>();
  for (const part of m[1].split('/')) {
    const [k, v, extra] = part.split(':');
    const allowed = BASE[k] ?? OPTIONAL[k];
    if (extra !== undefined || !allowed || !allowed.includes(v) || metrics.has(k)) return null;
    metrics.set(k, v);
  }
  return Object.keys(BASE).every((k) => metrics.has(k)) ? metrics : null;
}

/** Effective value of a metric: a set modified metric wins; X means the worst case for E and CR/IR/AR. */
function effective(metrics: Map<string, string>): (k: string) => string {
  return (k) => {
    const modified = metrics.get('M' + k);
    if (modified && modified !== 'X') return modified;
    const v = metrics.get(k) ?? 'X';
    if (v !== 'X') return v;
    return k === 'E' ? 'A' : 'H';
  };
}

function macroVector(m: (k: string) => string): number[] {
  const [av, pr, ui] = [m('AV'), m('PR'), m('UI')];
  const eq1 = av === 'N' && pr === 'N' && ui === 'N' ? 0 : (av === 'N' || pr === 'N' || ui === 'N') && av !== 'P' ? 1 : 2;
  const eq2 = m('AC') === 'L' && m('AT') === 'N' ? 0 : 1;
  const [vc, vi, va] = [m('VC'), m('VI'), m('VA')];
  const eq3 = vc === 'H' && vi === 'H' ? 0 : vc === 'H' || vi === 'H' || va === 'H' ? 1 : 2;
  const safety = m('SI') === 'S' || m('SA') === 'S';
  const eq4 = safety ? 0 : m('SC') === 'H' || m('SI') === 'H' || m('SA') === 'H' ? 1 : 2;
  const eq5 = { A: 0, P: 1, U: 2 }[m('E')] ?? 0;
  const eq6 = (m('CR') === 'H' && vc === 'H') || (m('IR') === 'H' && vi === 'H') || (m('AR') === 'H' && va === 'H') ? 0 : 1;
  return [eq1, eq2, eq3, eq4, eq5, eq6];
}

/** Distances (tenths) of the vector from the first highest-severity vector of its MacroVector it does not exceed. */
function distances(m: (k: string) => string, eq: number[]): Record<string, number> {
  const eq36 = `${eq[2]}${eq[5]}`;
  for (const a of MAX_VECTORS.eq1[eq[0]]) {
    for (const b of MAX_VECTORS.eq2[eq[1]]) {
      for (const c of MAX_VECTORS.eq3eq6[eq36]) {
        for (const d of MAX_VECTORS.eq4[eq[3]]) {
          const d2: Record<string, number> = {};
          for (const part of [a, b, c, d].join('/').split('/')) {
            const [k, v] = part.split(':');
            d2[k] = LEVEL[k][m(k)] - LEVEL[k][v];
          }
          if (Object.values(d2).every((x) => x >= 0)) return d2;
        }
      }
    }
  }
  throw new Error('CVSS v4: no highest-severity vector covers the vector');
}

/** CVSS v4.0 score of a "CVSS:4.0/AV:../AC:../AT:../PR:../UI:../VC:../VI:../VA:../SC:../SI:../SA:.." vector, or null. */
export function cvss4BaseScore(vector: string): number | null {
  const metrics = parse(vector);
  if (!metrics) return null;
  const m = effective(metrics);
  if (['VC', 'VI', 'VA', 'SC', 'SI', 'SA'].every((k) => m(k) === 'N')) return 0;
  const eq = macroVector(m);
  const value = macroVectorScore(eq);
  if (value === undefined) return null;
  const lower = (i: number) => macroVectorScore(eq.map((x, j) => (j === i ? x + 1 : x)));
  const [eq3, eq6] = [eq[2], eq[5]];
  let lowerEq36: number | undefined;
  if (eq3 === 0 && eq6 === 0) {
    const [left, right] = [lower(5), lower(2)];
    lowerEq36 = left !== undefined && right !== undefined ? Math.max(left, right) : (left ?? right);
  } else if (eq3 === 1 && eq6 === 0) lowerEq36 = lower(5);
  else if (eq6 === 1 && eq3 < 2) lowerEq36 = lower(2);
  const d = distances(m, eq);
  const eq36 = `${eq3}${eq6}`;
  // Each EQ with a lower MacroVector moves the score down by the share of its depth the vector has travelled.
  const parts: Array<[number | undefined, number]> = [
    [lower(0), (d.AV + d.PR + d.UI) / DEPTH.eq1[eq[0]]],
    [lower(1), (d.AC + d.AT) / DEPTH.eq2[eq[1]]],
    [lowerEq36, (d.VC + d.VI + d.VA + d.CR + d.IR + d.AR) / DEPTH.eq3eq6[eq36]],
    [lower(3), (d.SC + d.SI + d.SA) / DEPTH.eq4[eq[3]]],
    [lower(4), 0],
  ];
  const existing = parts.filter(([score]) => score !== undefined);
  const mean = existing.length ? existing.reduce((sum, [score, share]) => sum + (value - score!) * share, 0) / existing.length : 0;
  const score = Math.min(10, Math.max(0, value - mean));
  // Half-up to one decimal; the small lift keeps an exact x.x5 that floating point stores as x.x4999.. rounding up.
  return Math.round((score + 1e-6) * 10) / 10;
}
