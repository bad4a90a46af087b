import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { parseRpm } from '../../../src/formats/rpm/rpm.parse.js';
import { type ByteSource, bufferSource } from '../../../src/formats/types.js';
import { type TagValue, baseTags, buildHeader, buildSyntheticRpm, fixtureFiles } from './rpm-builders.js';

// ---- synthetic packages: structures rpmbuild no longer writes, and rpm 6 signatures ----------------------

async function rejection(bytes: Uint8Array | ByteSource): Promise<string> {
  const err = await parseRpm('read' in bytes ? bytes : bufferSource(bytes)).then(() => null, (e: unknown) => e);
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err.code;
}

/** An OpenPGP v4 or v6 signature packet carrying only what the parser looks at. */
function sigPacket(version: 4 | 6, algo: number, fingerprint: Buffer): Buffer {
  const sub = Buffer.concat([Buffer.from([fingerprint.length + 2, 33, version]), fingerprint]);
  const len = (n: number) => (version === 4 ? Buffer.from([n >> 8, n & 0xff]) : Buffer.from([0, 0, n >> 8, n & 0xff]));
  const body = Buffer.concat([Buffer.from([version, 0, algo, 8]), len(sub.length), sub, len(0), Buffer.alloc(10)]);
  return Buffer.concat([Buffer.from([0xc2, body.length]), body]);
}

describe('parseRpm on synthetic packages', () => {
  it('reads pre-4.0 OLDFILENAMES and the C locale of I18N strings', async () => {
    const p = await parseRpm(bufferSource(buildSyntheticRpm({
      main: [
        ...baseTags().filter((t) => t.tag !== 1004),
        { tag: 1004, type: 'strings', value: ['C summary', 'deutsche Zusammenfassung'] },
        { tag: 1027, type: 'strings', value: ['/etc/old.conf', '/usr/bin/old'] },
        { tag: 1030, type: 'int16', value: [0o100644, 0o100755] },
      ],
    })));
    expect(p.summary).toBe('C summary');
    expect(p.files.map((f) => [f.path, f.type])).toEqual([['/etc/old.conf', 'file'], ['/usr/bin/old', 'file']]);
  });

  it('sorts legacy weak dependencies the way createrepo_c does', async () => {
    const MISSINGOK = 1 << 19;
    const STRONG = 1 << 27;
    const p = await parseRpm(bufferSource(buildSyntheticRpm({
      main: [
        ...baseTags(),
        { tag: 1049, type: 'strings', value: ['hard', 'soft'] },
        { tag: 1048, type: 'int32', value: [0, MISSINGOK] },
        { tag: 1050, type: 'strings', value: ['', ''] },
        { tag: 1156, type: 'strings', value: ['strong-suggest', 'weak-suggest'] },
        { tag: 1158, type: 'int32', value: [STRONG, 0] },
        { tag: 1157, type: 'strings', value: ['', ''] },
        { tag: 1159, type: 'strings', value: ['strong-enhance'] },
        { tag: 1161, type: 'int32', value: [STRONG | 12] },
        { tag: 1160, type: 'strings', value: ['1:2-3'] },
      ],
    })));
    expect(p.requires.map((d) => d.name)).toEqual(['hard']);
    expect(p.recommends.map((d) => d.name)).toEqual(['soft', 'strong-suggest']);
    expect(p.suggests.map((d) => d.name)).toEqual(['weak-suggest']);
    expect(p.supplements).toEqual([{ name: 'strong-enhance', flags: 'GE', epoch: '1', version: '2', release: '3', pre: false }]);
  });

  it('accepts an rpm 6 lead and reads OpenPGP signatures of every packet version', async () => {
    const fp4 = Buffer.from('00112233445566778899aabbccddeeff01234567', 'hex');
    const fp6 = Buffer.alloc(32, 0xab);
    const v3 = Buffer.from([0x88, 19, 3, 5, 0, 1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 17, 8, 0, 0]);
    const cases: Array<[number, Buffer | string, unknown]> = [
      [278, sigPacket(6, 27, fp6).toString('base64'), { kind: 'eddsa', keyId: 'abababababababab' }],
      [268, sigPacket(4, 1, fp4), { kind: 'rsa', keyId: 'ccddeeff01234567' }],
      [267, sigPacket(4, 19, fp4), { kind: 'ecdsa', keyId: 'ccddeeff01234567' }],
      [1005, v3, { kind: 'dsa', keyId: '0102030405060708' }],
      [268, Buffer.from('not a packet'), { kind: 'rsa', keyId: null }],
    ];
    for (const [tag, sig, expected] of cases) {
      const main = buildHeader(baseTags());
      const entry: TagValue = typeof sig === 'string' ? { tag, type: 'strings', value: [sig] } : { tag, type: 'bin', value: sig };
      const rpm = buildSyntheticRpm({ main: baseTags(), leadMajor: 6, sig: [{ tag: 1000, type: 'int32', value: [main.length + 20] }, entry] });
      expect((await parseRpm(bufferSource(rpm))).signature).toEqual(expected);
    }
  });

  const files = (paths: string[], dirindexes?: number[]): TagValue[] => [
    ...baseTags(),
    { tag: 1118, type: 'strings', value: ['/usr/', '/usr/share/'] },
    { tag: 1117, type: 'strings', value: paths },
    { tag: 1116, type: 'int32', value: dirindexes ?? paths.map(() => 0) },
  ];

  it.each([
    ['a ".." path component', files(['..', 'x']), 'UNSAFE_PATH'],
    ['a ".." inside a base name', files(['a/../../etc/passwd']), 'UNSAFE_PATH'],
    ['a directory index out of range', files(['x'], [2]), 'FORMAT_INVALID'],
    ['file tags of different lengths', [...files(['x', 'y']), { tag: 1030, type: 'int16', value: [0] }], 'FORMAT_INVALID'],
    ['dependency tags of different lengths', [...baseTags(), { tag: 1047, type: 'strings', value: ['a', 'b'] }, { tag: 1112, type: 'int32', value: [0] }], 'FORMAT_INVALID'],
    ['no package name', baseTags().slice(1), 'FORMAT_INVALID'],
    ['a 64-bit size beyond 2^53', [...baseTags(), { tag: 5009, type: 'int64', value: [2 ** 53 + 2] }], 'FORMAT_LIMIT_EXCEEDED'],
    ['an array of more than 2^20 elements', [...baseTags(), { tag: 1117, type: 'strings', value: Array((1 << 20) + 1).fill('') }], 'FORMAT_LIMIT_EXCEEDED'],
    ['a name of the wrong type', [...baseTags().slice(1), { tag: 1000, type: 'int32', value: [1] }], 'FORMAT_INVALID'],
  ] as Array<[string, TagValue[], string]>)('rejects %s', async (_what, main, code) => {
    expect(await rejection(buildSyntheticRpm({ main }))).toBe(code);
  });

  it('rejects a string that runs off the end of the store, misaligned integers and unknown types', async () => {
    const rpm = buildSyntheticRpm({ main: baseTags(), sig: [{ tag: 999, type: 'int32', value: [0] }] });
    const start = (await parseRpm(bufferSource(rpm))).headerRange.start;
    const unterminated = Buffer.from(rpm);
    unterminated[rpm.length - 21] = 0x41; // the NUL ending the last string of the store, just before the payload
    expect(await rejection(unterminated)).toBe('FORMAT_INVALID');
    for (const [field, value] of [[4, 10], [8, 1]] as const) {
      const bad = Buffer.from(rpm);
      const entry = start + 16 + 16 * 4; // ARCH, a STRING: make it type 10, or an INT32 at offset 1
      if (field === 8) bad.writeUInt32BE(4, entry + 4);
      bad.writeUInt32BE(value, entry + field);
      expect(await rejection(bad)).toBe('FORMAT_INVALID');
    }
  });
});

// ---- malformed input: every failure is an AppError, and nothing is read that the file cannot hold ----------

describe('parseRpm on malformed input', () => {
  const good = readFileSync(fixtureFiles()[0]);
  let range: { start: number; end: number };
  beforeAll(async () => {
    range = (await parseRpm(bufferSource(good))).headerRange;
  });
  const patched = (at: number, bytes: number[] | ((b: Buffer) => void)) => {
    const b = Buffer.from(good);
    if (typeof bytes === 'function') bytes(b);
    else b.set(bytes, at);
    return b;
  };
  /** Byte offset of the index entry for `tag` in the main header. */
  const entryOf = (tag: number) => {
    for (let at = range.start + 16; at < range.start + 16 + 16 * good.readUInt32BE(range.start + 8); at += 16) {
      if (good.readUInt32BE(at) === tag) return at;
    }
    throw new Error(`tag ${tag} not found`);
  };

  it('reports a truncated file at every possible cut', async () => {
    for (let cut = 0; cut < good.length; cut++) {
      expect(await rejection(good.subarray(0, cut)), `cut at ${cut}`).toBe('FORMAT_TRUNCATED');
    }
  });

  it('reports foreign files and broken magic', async () => {
    expect(await rejection(Buffer.from('PK\x03\x04 this is a zip file, not an rpm at all'))).toBe('FORMAT_BAD_MAGIC');
    expect(await rejection(patched(0, [0x7f, 0x45, 0x4c, 0x46]))).toBe('FORMAT_BAD_MAGIC');
    expect(await rejection(patched(96, [0, 0, 0]))).toBe('FORMAT_BAD_MAGIC');
    expect(await rejection(patched(range.start, [0xde, 0xad]))).toBe('FORMAT_BAD_MAGIC');
  });

  it('refuses format versions it does not know', async () => {
    expect(await rejection(patched(4, [2]))).toBe('FORMAT_UNSUPPORTED'); // rpm 1/2 lead
    expect(await rejection(patched(range.start + 3, [2]))).toBe('FORMAT_UNSUPPORTED'); // header version 2
  });

  it('refuses absurd counts and sizes before reading them', async () => {
    const reads: number[] = [];
    const watched = (b: Buffer): ByteSource => ({
      size: b.length,
      read: async (o, l) => {
        reads.push(l);
        return b.subarray(o, o + l);
      },
    });
    for (const [at, value, code] of [
      [104, 0xffffffff, 'FORMAT_LIMIT_EXCEEDED'], // signature index count
      [108, 0xfffffff0, 'FORMAT_LIMIT_EXCEEDED'], // signature store size
      [104, 0, 'FORMAT_LIMIT_EXCEEDED'],
      [range.start + 8, 65_536, 'FORMAT_TRUNCATED'], // within limits, but more than the file holds
      [range.start + 12, 64 * 1024 * 1024, 'FORMAT_TRUNCATED'],
    ] as const) {
      expect(await rejection(watched(patched(0, (b) => b.writeUInt32BE(value, at))))).toBe(code);
    }
    expect(Math.max(...reads)).toBeLessThanOrEqual(good.length);
  });

  it('refuses entries that point outside the store', async () => {
    const name = entryOf(1000);
    const basenames = entryOf(1117);
    expect(await rejection(patched(0, (b) => b.writeUInt32BE(0xfffffff0, name + 8)))).toBe('FORMAT_INVALID');
    expect(await rejection(patched(0, (b) => b.writeUInt32BE(0x7fffffff, basenames + 12)))).toBe('FORMAT_LIMIT_EXCEEDED');
    expect(await rejection(patched(0, (b) => b.writeUInt32BE(5000, basenames + 12)))).toBe('FORMAT_INVALID');
    expect(await rejection(patched(0, (b) => b.writeUInt32BE(range.end - range.start, name + 8)))).toBe('FORMAT_INVALID');
  });

  it('survives random corruption of the headers with a result or an AppError', async () => {
    let seed = 0x2545f491;
    const rand = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.from(good);
      for (let n = 1 + Math.floor(rand() * 4); n > 0; n--) b[Math.floor(rand() * range.end)] = Math.floor(rand() * 256);
      await parseRpm(bufferSource(b)).catch((e: unknown) => {
        if (!(e instanceof AppError)) throw e;
      });
    }
  });
});
