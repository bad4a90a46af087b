import { describe, expect, it } from 'vitest';
import { severityFromScore } from '../../../src/formats/advisories/cvss.js';
import { cvss4BaseScore, macroVectorScore } from '../../../src/formats/advisories/cvss4.js';

const V = (s: string) => `CVSS:4.0/${s}`;

/**
 * Scores as the FIRST calculator gives them. Each row names where the value was confirmed; "Springett" is the
 * FIRST-calculator-linked table in stevespringett/cvss-calculator (CvssV4Test.java), "RH" the test data of
 * RedHatProductSecurity/cvss (the Python implementation the FIRST calculator's reference data comes from),
 * "examples" the FIRST CVSS v4.0 Examples document as reproduced by several independent implementations' tests.
 */
const cases: Array<[string, number, string]> = [
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H'), 10, 'all high; Springett; MacroVector 000000 = 10 at distance 0'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N'), 0, 'no impact; Springett'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/E:A'), 0, 'no impact; RH vectors_threat4'],
  [V('AV:A/AC:H/AT:P/PR:L/UI:P/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N'), 0, 'no impact; RH test_cvss4.py'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 9.3, 'Springett; examples'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N'), 8.7, 'Springett; RH test_cvss4.py'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N'), 6.9, 'Springett; pablotron/polycvss docs'],
  [V('AV:N/AC:L/AT:N/PR:H/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 8.6, 'PR:H; Springett and two other test tables'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H'), 7.9, 'SC/SI/SA high; Springett and four other test tables'],
  [V('AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 7.3, 'AT:P; examples (CVE-2022-41741)'],
  [V('AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'), 7.7, 'AT:P, UI:P; examples (CVE-2020-3549)'],
  [V('AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'), 5.2, 'E:U; examples (CVE-2020-3549 with E:U)'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:U'), 8.1, 'E:U; Springett and five other test tables'],
  [V('AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N'), 4.6, 'UI:A; examples (CVE-2021-44714)'],
  [V('AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N'), 1, 'AT:P, PR:H, UI:A; Springett'],
  [V('AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/E:U'), 4.1, 'AT:P, PR:H, UI:A, S* high, E:U; RH vectors_threat4'],
  [V('AV:P/AC:H/AT:P/PR:H/UI:A/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H/CR:M/IR:M/AR:M'), 5.5, 'requirements; RH vectors_security4'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:H/SC:N/SI:N/SA:N/AR:L'), 7.9, 'AR:L; RH test_cvss4.py'],
  [V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N/MSI:H'), 7.7, 'modified metric; RH test_cvss4.py'],
  [V('AV:N/AC:L/AT:P/PR:L/UI:A/VC:L/VI:L/VA:L/SC:L/SI:L/SA:L/E:P/CR:H/IR:L/AR:L/MAV:L/MAC:L/MAT:N/MPR:N/MUI:N/MVA:N/MSC:H/MSI:S/MSA:S/S:P/AU:Y/R:A/V:C/RE:L/U:Clear'), 6.9, 'safety, supplemental; Springett'],
  [V('AV:N/AC:L/AT:N/PR:L/UI:N/VC:H/VI:L/VA:N/SC:H/SI:N/SA:L'), 8.4, 'RH vectors_simple4'],
  [V('AV:N/AC:H/AT:N/PR:H/UI:A/VC:N/VI:N/VA:N/SC:N/SI:H/SA:N'), 4, 'RH vectors_simple4'],
];

describe('CVSS v4.0 scores (FIRST calculator values)', () => {
  for (const [vector, score, why] of cases) it(`${vector} → ${score} (${why})`, () => expect(cvss4BaseScore(vector)).toBe(score));

  it('takes metrics in any order and ignores surrounding whitespace', () => {
    expect(cvss4BaseScore(' CVSS:4.0/SA:N/SI:N/SC:N/VA:H/VI:H/VC:H/UI:N/PR:N/AT:N/AC:L/AV:N ')).toBe(9.3);
  });

  it('treats X (not defined) as the worst case for E and CR/IR/AR, and as the base value for modified metrics', () => {
    const base = cvss4BaseScore(V('AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N'));
    expect(cvss4BaseScore(V('AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:L/SC:N/SI:N/SA:N/E:X/CR:X/IR:X/AR:X/MAV:X/MVC:X/MSI:X'))).toBe(base);
  });

  it('maps scores to the specification severity bands', () => {
    expect(severityFromScore(cvss4BaseScore(V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'))!)).toBe('critical');
    expect(severityFromScore(cvss4BaseScore(V('AV:L/AC:L/AT:P/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'))!)).toBe('high');
    expect(severityFromScore(cvss4BaseScore(V('AV:L/AC:L/AT:N/PR:N/UI:A/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N'))!)).toBe('medium');
    expect(severityFromScore(cvss4BaseScore(V('AV:L/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:N/SC:N/SI:N/SA:N'))!)).toBe('low');
  });

  it('holds the 270 MacroVectors of the specification table', () => {
    let n = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 2; b++) for (let c = 0; c < 3; c++) for (let d = 0; d < 3; d++) for (let e = 0; e < 3; e++) for (let f = 0; f < 2; f++) {
      if (macroVectorScore([a, b, c, d, e, f]) !== undefined) n++;
    }
    expect(n).toBe(270);
    expect(macroVectorScore([0, 0, 2, 0, 0, 0])).toBeUndefined();
    expect(macroVectorScore([2, 1, 2, 2, 2, 1])).toBe(0.1);
  });
});

describe('CVSS v4.0 vectors that are not scored', () => {
  const invalid: Array<[string, string]> = [
    ['missing SA', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N')],
    ['missing AT (a v3-style base)', V('AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')],
    ['wrong value', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:J')],
    ['S is only a modified value', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N')],
    ['X is not a base value', V('AV:X/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')],
    ['unknown metric', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/JJ:H')],
    ['duplicate metric', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/SI:H')],
    ['empty part', V('AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/')],
    ['wrong prefix 3.1', 'CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
    ['no prefix', 'AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'],
    ['v3 vector', 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'],
    ['empty', ''],
  ];
  for (const [why, vector] of invalid) it(`${why} → null`, () => expect(cvss4BaseScore(vector)).toBeNull());
});
