import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { compareDebVersions, parseDebVersion } from '../../../src/formats/version/dpkg.js';
import { compareVersions } from '../../../src/formats/version/index.js';
import { skipWithout } from '../../helpers/tools.js';

type Order = -1 | 0 | 1;
const reverse = (o: Order): Order => (o === 0 ? 0 : o === 1 ? -1 : 1);

// Hand-picked edge cases; the same pairs also go through the dpkg oracle below.
const TABLE: Array<[string, string, Order]> = [
  ['1.0', '1.0', 0],
  ['1:0.1', '2.0', 1],
  ['2:1.0', '1:9.9', 1],
  ['0:1.0', '1.0', 0],
  ['00001:1.0', '1:1.0', 0],
  ['1.0~rc1', '1.0', -1],
  ['1.0~rc1', '1.0~rc2', -1],
  ['1.0~~', '1.0~', -1],
  ['1.0~~a', '1.0~~', 1],
  ['1.0~', '1.0', -1],
  ['1.0-1~bpo1', '1.0-1', -1],
  // the end of the string < letters < other characters; '+' < '.' by ASCII
  ['1.0', '1.0a', -1],
  ['1.0a', '1.0+', -1],
  ['1.0+dfsg', '1.0.1', -1],
  ['1.0+dfsg', '1.0', 1],
  ['1A', '1a', -1],
  ['1a', '1b', -1],
  ['0.1', '0.1.0', -1],
  // a missing revision is "0"
  ['1.0', '1.0-0', 0],
  ['1.0', '1.0-1', -1],
  ['1.0-0', '1.0-1', -1],
  ['1.0-1ubuntu1', '1.0-1', 1],
  ['1.2-3-4', '1.2-3', 1],
  ['1:1.0:2', '1:1.0:1', 1],
  // leading zeros and digit runs too long for a double
  ['1.01', '1.1', 0],
  ['1.0010', '1.10', 0],
  ['1.0-01', '1.0-1', 0],
  ['99999999999999999999', '100000000000000000000', -1],
  ['1.99999999999999999999', '1.100000000000000000000', -1],
  ['9007199254740993', '9007199254740992', 1],
  // dpkg only warns about these and still orders them
  ['1.0^1', '1.0', 1],
  ['1.0_1', '1.0+1', 1],
  ['a1', 'b1', -1],
];

// dpkg reads bytes as `char`, which is signed on amd64, so UTF-8 bytes sort between letters and ASCII
// punctuation there (and after punctuation where char is unsigned, e.g. arm64).
const SIGNED_CHAR = process.arch === 'x64' || process.arch === 'ia32';
const NON_ASCII: Array<[string, string, Order]> = [
  ['1.0é', '1.0z', 1],
  ['1.0é', '1.0+', -1],
  ['1.0-é', '1.0-~', 1],
];

// Versions dpkg --validate-version rejects, both dpkg errors and warning-class problems.
const REJECTED = ['', ' ', '1.0-', '-1', ':1.0', '1:', 'a:1.0', '1.0:1', '2147483648:1', '-1:1.0', '1 0',
  'a1', '~1', '1.0^1', '1_0', '1.0-a:b', '1.0-a_b', '1.0é', '1:-1'];

describe('compareDebVersions (fixed table)', () => {
  it.each(TABLE)('%s vs %s -> %i', (a, b, want) => {
    expect(compareDebVersions(a, b)).toBe(want);
    expect(compareDebVersions(b, a)).toBe(reverse(want));
    expect(compareVersions('deb', a, b)).toBe(want);
  });

  it.runIf(SIGNED_CHAR).each(NON_ASCII)('%s vs %s -> %i (signed char)', (a, b, want) => {
    expect(compareDebVersions(a, b)).toBe(want);
  });

  it('throws FORMAT_INVALID where dpkg --compare-versions errors', () => {
    for (const bad of ['', '1.0-', ':1.0', '1 0']) {
      expect(() => compareDebVersions(bad, '1.0')).toThrowError(AppError);
    }
  });
});

describe('parseDebVersion', () => {
  it('splits epoch, upstream and revision at the first colon and the last hyphen', () => {
    expect(parseDebVersion('1:2.3-4')).toEqual({ epoch: 1, upstream: '2.3', revision: '4' });
    expect(parseDebVersion('2.3')).toEqual({ epoch: 0, upstream: '2.3', revision: '' });
    expect(parseDebVersion('1.2-3-4')).toEqual({ epoch: 0, upstream: '1.2-3', revision: '4' });
    expect(parseDebVersion('3:1:2-x+y~z')).toEqual({ epoch: 3, upstream: '1:2', revision: 'x+y~z' });
  });

  it('accepts what dpkg accepts, however odd (strtol-style epochs, surrounding blanks)', () => {
    expect(parseDebVersion(' 1.0\t')).toEqual({ epoch: 0, upstream: '1.0', revision: '' });
    expect(parseDebVersion('+1:1.0').epoch).toBe(1);
    expect(parseDebVersion('-0:1.0').epoch).toBe(0);
    expect(parseDebVersion('\n1:1.0').epoch).toBe(1);
    expect(parseDebVersion('2147483647:1').epoch).toBe(2147483647);
  });

  it.each(REJECTED)('rejects %j with FORMAT_INVALID', (v) => {
    expect(() => parseDebVersion(v)).toThrowError(expect.objectContaining({ code: 'FORMAT_INVALID' }));
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
const WORDS = ['a', 'b', 'z', 'A', 'Z', 'rc', 'dfsg', 'ubuntu', 'git'];
const SEPS = ['.', '+', '~', '~~', '.', '+'];
// ':' and '-' only make sense in some places; '^' and '_' are invalid to dpkg (warnings, still ordered).
const RARE = [':', '-', '^', '_'];

function versionGen(seed: number) {
  const r = rng(seed);
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)];
  const pieces = (n: number, allowRare: boolean): string => {
    let s = '';
    for (let k = 0; k < n; k++) {
      const x = r();
      s += x < 0.35 ? pick(DIGITS) : x < 0.6 ? pick(WORDS) : x < 0.95 || !allowRare ? pick(SEPS) : pick(RARE);
    }
    return s;
  };
  const version = (): string => {
    const epoch = r() < 0.3 ? `${pick(['0', '1', '2', '00', '10'])}:` : '';
    const upstream = pick(DIGITS) + pieces(Math.floor(r() * 5), epoch !== '');
    const revision = r() < 0.5 ? `-${pieces(1 + Math.floor(r() * 3), false)}` : '';
    return epoch + upstream + revision;
  };
  // Most second versions are near the first, so equal and nearly equal pairs are common.
  const near = (v: string): string => {
    const x = r();
    if (x < 0.3) return v + pieces(1, true);
    if (x < 0.5) return v.replace(/\d/, (d) => `0${d}`);
    if (x < 0.6) return `0:${v}`;
    if (x < 0.7) return v.replace(/-[^-]*$/, '');
    return v;
  };
  return { r, version, near, pieces };
}

const runSh = (script: string, args: string[]): string[] =>
  execFileSync('sh', ['-c', script, 'sh', ...args], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n');

/** One shell for all pairs; prints -1, 0, 1 or err (exit status 2: dpkg refuses a version) per pair. */
function dpkgCompareAll(pairs: Array<[string, string]>): string[] {
  const script = `while [ "$#" -gt 0 ]; do
  if dpkg --compare-versions -- "$1" lt "$2" 2>/dev/null; then echo -1
  elif [ $? -ne 1 ]; then echo err
  elif dpkg --compare-versions -- "$1" eq "$2" 2>/dev/null; then echo 0
  else echo 1; fi
  shift 2
done`;
  return runSh(script, pairs.flat());
}

function ours(a: string, b: string): string {
  try {
    return String(compareDebVersions(a, b));
  } catch (err) {
    if (err instanceof AppError && err.code === 'FORMAT_INVALID') return 'err';
    throw err;
  }
}

describe.skipIf(skipWithout(['dpkg']))('dpkg oracle', () => {
  it('agrees with dpkg --compare-versions on every generated pair', () => {
    const g = versionGen(20240611);
    const fixed = SIGNED_CHAR ? [...TABLE, ...NON_ASCII] : TABLE;
    const pairs: Array<[string, string]> = fixed.map(([a, b]) => [a, b]);
    while (pairs.length < 420) {
      const a = g.version();
      pairs.push([a, g.r() < 0.35 ? g.version() : g.near(a)]);
    }
    const want = dpkgCompareAll(pairs);
    expect(want).toHaveLength(pairs.length);
    const mismatches = pairs
      .map(([a, b], k) => ({ a, b, dpkg: want[k], ours: ours(a, b) }))
      .filter((m) => m.dpkg !== m.ours);
    expect(mismatches).toEqual([]);
    // Guard against a degenerate oracle or generator: every outcome must occur often.
    for (const outcome of ['-1', '0', '1']) {
      expect(want.filter((w) => w === outcome).length).toBeGreaterThan(40);
    }
  });

  it('rejects exactly the versions dpkg --validate-version rejects', () => {
    const g = versionGen(7);
    const candidates = [...REJECTED, ...TABLE.flat().filter((x): x is string => typeof x === 'string')];
    candidates.push('+1:1.0', '-0:1.0', '\n1:1.0', ' 1.0\t', '2147483647:1', '99999999999999999999:1');
    while (candidates.length < 260) {
      const x = g.r();
      // Free-form strings reach the odd corners: leading separators, stray colons and hyphens.
      candidates.push(x < 0.5 ? g.version() : x < 0.8 ? g.near(g.version()) : g.pieces(1 + Math.floor(g.r() * 4), true));
    }
    const script = `for v in "$@"; do
  if dpkg --validate-version -- "$v" >/dev/null 2>&1; then echo ok; else echo bad; fi
done`;
    const want = runSh(script, candidates);
    const got = candidates.map((v) => {
      try {
        parseDebVersion(v);
        return 'ok';
      } catch {
        return 'bad';
      }
    });
    const mismatches = candidates.map((v, k) => ({ v, dpkg: want[k], ours: got[k] })).filter((m) => m.dpkg !== m.ours);
    expect(mismatches).toEqual([]);
    expect(want.filter((w) => w === 'bad').length).toBeGreaterThan(30);
    expect(want.filter((w) => w === 'ok').length).toBeGreaterThan(100);
  });
});
