import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareVersions } from '../../../src/formats/version/index.js';
import { compareEVR, parseEVR, rpmvercmp } from '../../../src/formats/version/rpm.js';
import { skipWithout } from '../../helpers/tools.js';

type Order = -1 | 0 | 1;
const reverse = (o: Order): Order => (o === 0 ? 0 : o === 1 ? -1 : 1);

// Hand-picked rpmvercmp() edge cases; the ones without '-' or ':' also go through the rpm oracle below.
const VERCMP: Array<[string, string, Order]> = [
  ['1.0', '1.0', 0],
  ['1.0', '1.0.0', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['~', '', -1],
  // caret: after the base version, before any other suffix
  ['1.0^git1', '1.0', 1],
  ['1.0^git1', '1.0.1', -1],
  ['1.0^git1', '1.0^git2', -1],
  ['1.0^', '1.0', 1],
  ['1.0~rc1^git1', '1.0~rc1', 1],
  ['1.0~rc1^git1', '1.0', -1],
  ['1.0^git1~pre', '1.0^git1', -1],
  ['1.0^git1', '1.0a', -1],
  // numbers beat letters; leading zeros are ignored
  ['1.0', '1.a', 1],
  ['1a', '1.1', -1],
  ['1.01', '1.1', 0],
  ['1.001', '1.01', 0],
  ['00', '0', 0],
  ['a', 'b', -1],
  ['A', 'a', -1],
  ['abc', 'abd', -1],
  ['1.0a', '1.0', 1],
  // separators only split segments
  ['1.0', '1_0', 0],
  ['1..0', '1.0', 0],
  ['1.0.', '1.0', 0],
  ['1.0', '1.0-1', -1],
  ['', '1', -1],
  // digit runs too long for a double
  ['99999999999999999999', '100000000000000000000', -1],
  ['9007199254740993', '9007199254740992', 1],
];

// compareEVR: dependency-range semantics, a missing release matches any release.
const EVR: Array<[string, string, Order]> = [
  ['1:1.0-1', '2.0-1', 1],
  ['2:1.0', '1:9.9', 1],
  ['0:1.0-1', '1.0-1', 0],
  ['007:1', '7:1', 0],
  ['1.0', '1.0-1', 0],
  ['1.0-0', '1.0-1', -1],
  ['1.0', '1.0.1-1', -1],
  ['1.0-1', '1.0-1.el9', -1],
  ['1.0^git1-1', '1.0-2', 1],
  ['1.0~rc1-5', '1.0-1', -1],
  ['1.0-1~beta', '1.0-1', -1],
];

describe('rpmvercmp (fixed table)', () => {
  it.each(VERCMP)('%j vs %j -> %i', (a, b, want) => {
    expect(rpmvercmp(a, b)).toBe(want);
    expect(rpmvercmp(b, a)).toBe(reverse(want));
  });
});

describe('parseEVR and compareEVR', () => {
  it('splits at a leading numeric epoch and the last hyphen, like rpm parseEVR()', () => {
    expect(parseEVR('1:2.3-4')).toEqual({ epoch: 1, version: '2.3', release: '4' });
    expect(parseEVR('2.3-4')).toEqual({ epoch: 0, version: '2.3', release: '4' });
    expect(parseEVR('2.3')).toEqual({ epoch: 0, version: '2.3', release: '' });
    expect(parseEVR('1.2-3-4')).toEqual({ epoch: 0, version: '1.2-3', release: '4' });
    expect(parseEVR(':1.0')).toEqual({ epoch: 0, version: '1.0', release: '' });
    expect(parseEVR('a:1.0')).toEqual({ epoch: 0, version: 'a:1.0', release: '' });
    expect(parseEVR('1:2:3')).toEqual({ epoch: 1, version: '2:3', release: '' });
    expect(parseEVR('4294967295:1').epoch).toBe(4294967295);
  });

  it.each(['', '1:', '-1', '1:-1', '4294967296:1'])('rejects %j with FORMAT_INVALID', (v) => {
    expect(() => parseEVR(v)).toThrowError(expect.objectContaining({ code: 'FORMAT_INVALID' }));
  });

  it.each(EVR)('%s vs %s -> %i', (a, b, want) => {
    expect(compareEVR(a, b)).toBe(want);
    expect(compareEVR(b, a)).toBe(reverse(want));
    expect(compareEVR(parseEVR(a), parseEVR(b))).toBe(want);
    expect(compareVersions('rpm', a, b)).toBe(want);
  });
});

/** Deterministic PRNG (mulberry32), so a failure reproduces exactly. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DIGITS = ['0', '1', '2', '9', '00', '01', '10', '007', '99999999999999999999', '100000000000000000000'];
const WORDS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'git', 'el', 'fc'];
const SEPS = ['.', '.', '~', '^', '~~', '^^', '_', '+', '%'];

function versionGen(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const pieces = (n: number): string => {
    let s = '';
    for (let k = 0; k < n; k++) {
      const x = r();
      s += x < 0.4 ? pick(DIGITS) : x < 0.65 ? pick(WORDS) : pick(SEPS);
    }
    return s;
  };
  // No '-' or ':' here: rpm.vercmp() parses its arguments as EVRs, and without those characters the
  // whole string is the version, so rpm.vercmp() is exactly rpmvercmp().
  const plain = (): string => pieces(1 + Math.floor(r() * 5));
  const near = (v: string): string => {
    const x = r();
    if (x < 0.35) return v + pieces(1);
    if (x < 0.55) return v.replace(/\d/, (d) => `0${d}`);
    if (x < 0.65) return v.slice(0, -1) || v;
    return v;
  };
  const evr = (): string => {
    const epoch = r() < 0.3 ? `${pick(['0', '1', '2', '00', '10'])}:` : '';
    const version = pick(DIGITS) + pieces(Math.floor(r() * 4));
    return epoch + version + (r() < 0.6 ? `-${pieces(1 + Math.floor(r() * 2))}` : '');
  };
  const nearEvr = (v: string): string => {
    const x = r();
    if (x < 0.25) return v.replace(/-[^-]*$/, '');
    if (x < 0.4) return /^\d+:/.test(v) ? v.replace(/^\d+:/, '') : `0:${v}`;
    if (x < 0.5) return v.includes('-') ? v + pieces(1) : `${v}-${pieces(1)}`;
    return near(v);
  };
  return { r, plain, near, evr, nearEvr };
}

/**
 * One rpm process for every pair. Lines are "kind<TAB>a<TAB>b"; `vercmp` pairs print rpm.vercmp(a, b).
 * `range` pairs print the sense rpmverOverlap() computes: rpm.vercmp on the full EVRs when both have a
 * release, else on the EVRs with any release cut off (a release-less side matches every release).
 */
const ORACLE_LUA = `
local out = {}
local function norel(s) return s:match("^(.*)%-[^-]*$") or s end
local function hasrel(s) local r = s:match("%-([^-]*)$") return r ~= nil and r ~= "" end
for line in io.lines(PAIRS) do
  local kind, a, b = line:match("^(%a+)\\t([^\\t]*)\\t([^\\t]*)$")
  if kind == "vercmp" or (hasrel(a) and hasrel(b)) then
    out[#out + 1] = rpm.vercmp(a, b)
  else
    out[#out + 1] = rpm.vercmp(norel(a), norel(b))
  end
end
print(table.concat(out, "\\n"))
`;

function rpmOracle(pairs: Array<['vercmp' | 'range', string, string]>): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'packyard-rpmvercmp-'));
  try {
    const data = join(dir, 'pairs.tsv');
    const lua = join(dir, 'oracle.lua');
    writeFileSync(data, `${pairs.map((p) => p.join('\t')).join('\n')}\n`);
    writeFileSync(lua, `local PAIRS = ${JSON.stringify(data)}\n${ORACLE_LUA}`);
    const out = execFileSync('rpm', ['--eval', `%{lua: dofile(${JSON.stringify(lua)})}`], {
      encoding: 'utf8',
      maxBuffer: 1 << 24,
    });
    return out.trim().split('\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(skipWithout(['rpm']))('rpm oracle', () => {
  it('agrees with rpm 4.18 on every generated pair (rpmvercmp and EVR ranges)', () => {
    const g = versionGen(20240611);
    const pairs: Array<['vercmp' | 'range', string, string]> = [];
    for (const [a, b] of VERCMP) {
      if (a !== '' && b !== '' && !/[-:]/.test(a + b)) pairs.push(['vercmp', a, b]);
    }
    for (const [a, b] of EVR) pairs.push(['range', a, b]);
    while (pairs.length < 420) {
      const a = g.plain();
      pairs.push(['vercmp', a, g.r() < 0.3 ? g.plain() : g.near(a)]);
    }
    while (pairs.length < 620) {
      const a = g.evr();
      pairs.push(['range', a, g.r() < 0.3 ? g.evr() : g.nearEvr(a)]);
    }

    const want = rpmOracle(pairs);
    expect(want).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([kind, a, b], k) => {
        const ours = kind === 'vercmp' ? rpmvercmp(a, b) : compareEVR(a, b);
        return { kind, a, b, rpm: want[k], ours: String(ours) };
      })
      .filter((m) => m.rpm !== m.ours);
    expect(mismatches).toEqual([]);
    // Guard against a degenerate oracle or generator: every outcome must occur often, for both kinds.
    for (const kind of ['vercmp', 'range']) {
      for (const outcome of ['-1', '0', '1']) {
        expect(want.filter((w, k) => pairs[k][0] === kind && w === outcome).length).toBeGreaterThan(25);
      }
    }
  });
});
