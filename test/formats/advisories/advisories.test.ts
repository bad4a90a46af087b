import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { AffectedRange, ParsedRecord } from '../../../src/formats/advisories/advisory.types.js';
import { cvss3BaseScore, severityFromLabel, severityFromScore } from '../../../src/formats/advisories/cvss.js';
import { parseDebianTracker } from '../../../src/formats/advisories/debian-tracker.js';
import { jsonValues } from '../../../src/formats/advisories/json-stream.js';
import { isAffected } from '../../../src/formats/advisories/match.js';
import { parseOsvRecord, releaseKeyOf } from '../../../src/formats/advisories/osv.js';
import { skipWithout } from '../../helpers/tools.js';

const FIX = join(import.meta.dirname, 'fixtures');
const fixture = (name: string) => readFileSync(join(FIX, name));
const chunked = (buf: Buffer, size = 7) => Readable.from(Array.from({ length: Math.ceil(buf.length / size) }, (_, i) => buf.subarray(i * size, (i + 1) * size)));

describe('OSV and Debian tracker parsers (golden files)', () => {
  for (const name of ['osv-debian', 'osv-alma', 'osv-cvss4']) {
    it(`${name}.json parses to ${name}.expected.json, even when streamed in tiny chunks`, async () => {
      const out: ParsedRecord[] = [];
      for await (const v of jsonValues(chunked(fixture(`${name}.json`)), 1 << 20)) out.push(parseOsvRecord(v));
      expect(out).toEqual(JSON.parse(fixture(`${name}.expected.json`).toString()));
    });
  }

  it('debian-tracker.json parses to debian-tracker.expected.json, one source package at a time', async () => {
    const out: ParsedRecord[] = [];
    for await (const r of parseDebianTracker(chunked(fixture('debian-tracker.json')))) out.push(r);
    expect(out).toEqual(JSON.parse(fixture('debian-tracker.expected.json').toString()));
    // fixed_version "0" means never affected: it withdraws rather than adds.
    expect(out[0].withdrawn).toEqual([{ releaseKey: 'debian-tracker:bullseye', sourcePackage: 'openssl', advisoryId: 'CVE-2026-1000' }]);
  });

  it('rejects malformed JSON with a typed error', async () => {
    const values = async () => {
      for await (const _ of jsonValues(Readable.from([Buffer.from('[{"id": 1},')]), 1000));
    };
    await expect(values()).rejects.toMatchObject({ code: 'FORMAT_INVALID' });
  });

  it('keys releases by ecosystem and ignores non-distribution ecosystems', () => {
    expect(releaseKeyOf('Ubuntu:22.04:LTS')).toBe('Ubuntu:22.04');
    expect(releaseKeyOf('Rocky Linux:9')).toBe('Rocky Linux:9');
    expect(releaseKeyOf('Red Hat:enterprise_linux:9::appstream')).toBe('Red Hat:enterprise_linux:9::appstream');
    expect(releaseKeyOf('SUSE:Linux Enterprise Server 15 SP5')).toBe('SUSE:Linux Enterprise Server 15 SP5');
    expect(releaseKeyOf('PyPI')).toBeNull();
    expect(releaseKeyOf('Debian')).toBeNull();
  });
});

describe('CVSS v3 base scores (values published by NVD for these vectors)', () => {
  const cases: Array<[string, number]> = [
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8],
    ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9],
    ['CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H', 7.8],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1],
    ['CVSS:3.1/AV:L/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 6.2],
    ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1],
    ['CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H', 7.5],
    ['CVSS:3.1/AV:P/AC:H/PR:H/UI:R/S:U/C:N/I:N/A:N', 0],
  ];
  for (const [vector, score] of cases) it(`${vector} → ${score}`, () => expect(cvss3BaseScore(vector)).toBe(score));

  it('refuses vectors that are not CVSS v3 base vectors', () => {
    expect(cvss3BaseScore('CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N')).toBeNull();
    expect(cvss3BaseScore('CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:X/C:H/I:H/A:H')).toBeNull();
    expect(cvss3BaseScore('AV:N/AC:L/Au:N/C:P/I:P/A:P')).toBeNull();
  });

  it('normalises scores and distribution labels', () => {
    expect([9, 8.9, 7, 4, 3.9, 0.1, 0].map(severityFromScore)).toEqual(['critical', 'high', 'high', 'medium', 'low', 'low', 'negligible']);
    expect(['Important', 'Moderate', 'low**', 'unimportant', 'not yet assigned', 'CRITICAL'].map(severityFromLabel)).toEqual(['high', 'medium', 'low', 'negligible', 'unknown', 'critical']);
  });
});

/** An independent reading of the same ranges: each range is [introduced, fixed) or [introduced, last_affected]. */
function oracleAffected(cmp: (a: string, op: 'ge' | 'lt' | 'le' | 'eq', b: string) => boolean, v: string, ranges: AffectedRange[], versions: string[]): boolean {
  if (versions.some((x) => cmp(v, 'eq', x))) return true;
  return ranges.some((r) => {
    const intro = r.events.find((e) => e.introduced)?.introduced;
    const fixed = r.events.find((e) => e.fixed)?.fixed;
    const last = r.events.find((e) => e.last_affected)?.last_affected;
    const from = intro === '0' || intro === undefined || cmp(v, 'ge', intro);
    return from && (fixed ? cmp(v, 'lt', fixed) : last ? cmp(v, 'le', last) : true);
  });
}

const DEB_RANGES: Array<{ ranges: AffectedRange[]; versions: string[] }> = [
  { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '3.0.15-1~deb12u1' }] }], versions: [] },
  { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '1:3.1.0' }, { fixed: '1:3.1.4-2' }] }, { type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.9' }] }], versions: [] },
  { ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '3.0.11' }, { last_affected: '3.0.15-1' }] }], versions: ['1:2.0-1'] },
  { ranges: [{ type: 'DEB', events: [{ fixed: '3.0.15-1+deb12u1' }, { introduced: '3.0~rc1' }] }], versions: [] },
];
const DEB_VERSIONS = ['2.8-1', '2.9', '2.9~rc1', '3.0~rc1', '3.0', '3.0.11', '3.0.11-1', '3.0.15-1', '3.0.15-1~deb12u1', '3.0.15-1+deb12u1', '3.0.15-1~deb12u1+b1', '3.0.15-1~deb11u1', '3.0.16', '1:2.0-1', '1:3.1.0', '1:3.1.4-1', '1:3.1.4-2', '1:3.1.4-2~bpo1', '0:3.0.12'];

describe.skipIf(skipWithout(['dpkg']))('matcher verdicts agree with dpkg --compare-versions', () => {
  it('on epochs, tildes, last_affected, listed versions, unsorted events and multiple ranges', () => {
    const pairs: Array<[string, string, string]> = [];
    for (const { ranges, versions } of DEB_RANGES) {
      const bounds = [...ranges.flatMap((r) => r.events.map((e) => e.introduced ?? e.fixed ?? e.last_affected!)).filter((x) => x !== '0'), ...versions];
      for (const v of DEB_VERSIONS) for (const b of bounds) for (const op of ['ge', 'lt', 'le', 'eq']) pairs.push([v, op, b]);
    }
    const script = 'while read a op b; do if dpkg --compare-versions "$a" "$op" "$b"; then echo 1; else echo 0; fi; done';
    const dir = mkdtempSync(join(tmpdir(), 'packyard-dpkg-'));
    writeFileSync(join(dir, 'pairs'), pairs.map((p) => p.join(' ')).join('\n') + '\n');
    const answers = execFileSync('sh', ['-c', `${script} < ${join(dir, 'pairs')}`], { encoding: 'utf8', maxBuffer: 1 << 24 }).trim().split('\n');
    const truth = new Map(pairs.map((p, i) => [p.join(' '), answers[i] === '1']));
    const cmp = (a: string, op: string, b: string) => truth.get(`${a} ${op} ${b}`)!;
    let checked = 0;
    for (const { ranges, versions } of DEB_RANGES) {
      for (const v of DEB_VERSIONS) {
        expect(isAffected('deb', v, ranges, versions), `${v} in ${JSON.stringify(ranges)}`).toBe(oracleAffected(cmp, v, ranges, versions));
        checked++;
      }
    }
    expect(checked).toBe(DEB_RANGES.length * DEB_VERSIONS.length);
    // Spot checks a reader can verify by eye.
    expect(isAffected('deb', '3.0.15-1~deb11u1', DEB_RANGES[0].ranges, [])).toBe(true);
    expect(isAffected('deb', '3.0.15-1~deb12u1+b1', DEB_RANGES[0].ranges, [])).toBe(false);
    expect(isAffected('deb', '1:2.0-1', DEB_RANGES[2].ranges, DEB_RANGES[2].versions)).toBe(true);
  });
});

const RPM_RANGES: AffectedRange[][] = [
  [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0:5.14.0-427.13.1.el9_4' }] }],
  [{ type: 'RPM', events: [{ introduced: '1:1.20.1-1.el9' }, { last_affected: '1:1.20.1-14.el9_2.1' }] }],
];
const RPM_VERSIONS = ['5.14.0-427.13.1.el9_4', '5.14.0-427.13.1.el9_3', '5.14.0-70.el9', '5.14.0-503.el9', '1:5.0-1.el9', '1:1.20.1-1.el9', '1:1.20.1-14.el9_2', '1:1.20.1-14.el9_2.1', '1:1.20.1-14.el9_2.1a', '1.20.1-20.el9', '1:1.20.1-2.el9~beta'];

describe.skipIf(skipWithout(['rpm']))('matcher verdicts agree with rpm.vercmp', () => {
  it('on epochs, el9_N releases, tildes and last_affected', () => {
    const pairs: Array<[string, string]> = [];
    for (const ranges of RPM_RANGES) {
      const bounds = ranges.flatMap((r) => r.events.map((e) => e.introduced ?? e.fixed ?? e.last_affected!)).filter((x) => x !== '0');
      for (const v of RPM_VERSIONS) for (const b of bounds) pairs.push([v, b]);
    }
    const dir = mkdtempSync(join(tmpdir(), 'packyard-rpmcmp-'));
    writeFileSync(join(dir, 'pairs'), pairs.map((p) => p.join('\t')).join('\n') + '\n');
    const lua = `local o = {} for l in io.lines("${join(dir, 'pairs')}") do local a, b = l:match("^([^\\t]*)\\t(.*)$") o[#o+1] = rpm.vercmp(a, b) end print(table.concat(o, "\\n"))`;
    writeFileSync(join(dir, 'o.lua'), lua);
    const answers = execFileSync('rpm', ['--eval', `%{lua: dofile("${join(dir, 'o.lua')}")}`], { encoding: 'utf8' }).trim().split('\n').map(Number);
    const order = new Map(pairs.map((p, i) => [p.join('\t'), answers[i]]));
    const cmp = (a: string, op: string, b: string) => {
      const c = order.get(`${a}\t${b}`)!;
      return op === 'ge' ? c >= 0 : op === 'lt' ? c < 0 : op === 'le' ? c <= 0 : c === 0;
    };
    for (const ranges of RPM_RANGES) {
      for (const v of RPM_VERSIONS) expect(isAffected('rpm', v, ranges, []), `${v} in ${JSON.stringify(ranges)}`).toBe(oracleAffected(cmp, v, ranges, []));
    }
    expect(isAffected('rpm', '5.14.0-427.13.1.el9_3', RPM_RANGES[0], [])).toBe(true);
    expect(isAffected('rpm', '5.14.0-503.el9', RPM_RANGES[0], [])).toBe(false);
  });
});
