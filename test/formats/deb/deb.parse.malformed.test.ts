/**
 * parseDeb on hostile and broken input: every failure must be a typed AppError, promptly, with bounded
 * memory (deb(5) framing, tar and compression layers each attacked separately).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError, type ErrorCode } from '../../../src/core/errors.js';
import { parseDeb } from '../../../src/formats/deb/deb.parse.js';
import { bufferSource } from '../../../src/formats/types.js';
import { skipWithout } from '../../helpers/tools.js';
import {
  arPack,
  arUnpack,
  buildDeb,
  compress,
  handDeb,
  read,
  sampleControl,
  suffix,
  tarPack,
  removeTempDirs,
  tempDir,
  type Z,
} from './deb-fixtures.js';

afterAll(removeTempDirs);

const parse = (buf: Uint8Array) => parseDeb(bufferSource(buf));

/** Resolves to the AppError code, fails on success, on any other error and on a hang. */
async function failureCode(promise: Promise<unknown>, ms = 30_000): Promise<ErrorCode> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`parser did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hang]);
  } catch (err) {
    if (err instanceof AppError) return err.code;
    throw err;
  } finally {
    clearTimeout(timer);
  }
  throw new Error('expected the parser to reject');
}

/** Success or an AppError are both fine; anything else, or no answer at all, is a bug. */
async function settles(promise: Promise<unknown>, what: string, ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const hang = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: parser did not settle within ${ms} ms`)), ms);
  });
  try {
    await Promise.race([promise, hang]);
  } catch (err) {
    if (!(err instanceof AppError)) throw new Error(`${what}: ${String(err)}`);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(skipWithout(['dpkg-deb', 'xz', 'zstd']))('parseDeb on malformed input', () => {
  let dir: string;
  let debs: Record<Z, Buffer>;
  beforeAll(() => {
    dir = tempDir('deb-bad');
    const small = [{ path: 'usr/bin/s', content: 'abc', mode: 0o755 }];
    debs = Object.fromEntries(
      (['gzip', 'xz', 'zstd', 'none'] as Z[]).map((z) => [z, read(buildDeb(dir, `small-${z}`, sampleControl(), small, z))]),
    ) as Record<Z, Buffer>;
  });

  for (const z of ['gzip', 'xz', 'zstd', 'none'] as Z[]) {
    it(`rejects the file truncated at every offset (${z})`, async () => {
      const buf = debs[z];
      const data = arUnpack(buf)[2];
      for (let n = 0; n < buf.length; n++) {
        // Only the final padding byte of an odd-sized data.tar is missing: the package is complete (dpkg agrees).
        if (n === buf.length - 1 && data.data.length % 2 === 1) continue;
        expect(await failureCode(parse(buf.subarray(0, n)))).toMatch(/^FORMAT_(TRUNCATED|BAD_MAGIC)$/);
      }
    });
  }

  for (const z of ['gzip', 'xz', 'zstd'] as Z[]) {

    it(`rejects a control or data member whose compressed stream is cut short (${z})`, async () => {
      const [binary, control, data] = arUnpack(debs[z]);
      for (const victim of ['control', 'data'] as const) {
        const member = victim === 'control' ? control : data;
        for (let n = 0; n < member.data.length; n++) {
          const cut = { name: member.name, data: member.data.subarray(0, n) };
          const deb = arPack(victim === 'control' ? [binary, cut, data] : [binary, control, cut]);
          expect(await failureCode(parse(deb))).toMatch(/^FORMAT_(TRUNCATED|INVALID)$/);
        }
      }
    });
  }

  it('rejects files that are not Debian packages', async () => {
    expect(await failureCode(parse(new Uint8Array(0)))).toBe('FORMAT_BAD_MAGIC');
    expect(await failureCode(parse(Buffer.from('PK\x03\x04 not an ar archive at all')))).toBe('FORMAT_BAD_MAGIC');
    expect(await failureCode(parse(compress('gzip', Buffer.from('hello'))))).toBe('FORMAT_BAD_MAGIC');
    const notDeb = arPack([{ name: 'hello.o', data: Buffer.from('x') }]);
    expect(await failureCode(parse(notDeb))).toBe('FORMAT_BAD_MAGIC');
    expect(await failureCode(parse(await handDeb({ debianBinary: '3.0\n' })))).toBe('FORMAT_UNSUPPORTED');
    expect(await failureCode(parse(await handDeb({ debianBinary: 'garbage' })))).toBe('FORMAT_INVALID');
  });

  it('rejects absurd ar sizes and headers', async () => {
    const good = debs.gzip;
    const withSize = (size: string) => {
      const b = Buffer.from(good);
      b.write(size.padEnd(10), 8 + 48, 'latin1');
      return b;
    };
    expect(await failureCode(parse(withSize('9999999999')))).toBe('FORMAT_TRUNCATED');
    expect(await failureCode(parse(withSize('-1')))).toBe('FORMAT_INVALID');
    expect(await failureCode(parse(withSize('1e9')))).toBe('FORMAT_INVALID');
    const badEnd = Buffer.from(good);
    badEnd.write('XX', 8 + 58, 'latin1');
    expect(await failureCode(parse(badEnd))).toBe('FORMAT_INVALID');
    const many = arPack(Array.from({ length: 100 }, (_, i) => ({ name: i === 0 ? 'debian-binary' : `_m${i}`, data: Buffer.from(i === 0 ? '2.0\n' : 'x') })));
    expect(await failureCode(parse(many))).toBe('FORMAT_LIMIT_EXCEEDED');
  });

  it('rejects absurd sizes inside the tar archives', async () => {
    const tar = await tarPack([{ name: './usr/bin/x', content: 'x' }]);
    tar.write('77777777777\0', 124, 'latin1'); // declared entry size: 8 GiB
    let sum = 0;
    tar.fill(' ', 148, 156);
    for (let i = 0; i < 512; i++) sum += tar[i];
    tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
    const [binary, control] = arUnpack(debs.gzip);
    const deb = arPack([binary, control, { name: 'data.tar', data: tar }]);
    expect(await failureCode(parse(deb))).toBe('FORMAT_TRUNCATED');
  });

  it('reads past a directory header with a non-zero size instead of waiting for its data forever', async () => {
    // POSIX: no data blocks follow a directory header; a size there once left the parse pending for ever.
    const withDirSize = async (entries: Parameters<typeof tarPack>[0]) => {
      const tar = await tarPack(entries);
      tar.write(`${(64).toString(8).padStart(11, '0')}\0`, 124, 'latin1');
      tar.fill(' ', 148, 156);
      let sum = 0;
      for (let i = 0; i < 512; i++) sum += tar[i];
      tar.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
      return tar;
    };
    const [binary, control, data] = arUnpack(debs.gzip);
    const dataTar = await withDirSize([{ name: './usr/', type: 'directory' }, { name: './usr/bin/x', content: 'x' }]);
    for (const z of ['none', 'gzip'] as Z[]) {
      let settled: unknown = 'pending';
      const parsed = parse(arPack([binary, control, { name: `data.tar${suffix(z)}`, data: compress(z, dataTar) }]));
      await settles(parsed.then((p) => (settled = p)), `directory with a size (${z})`, 5_000);
      expect((settled as { files: { path: string }[] }).files.map((f) => f.path)).toEqual(['/usr', '/usr/bin/x']);
    }
    const controlTar = await withDirSize([{ name: './', type: 'directory' }, { name: './control', content: sampleControl() }]);
    const pkg = await parse(arPack([binary, { name: 'control.tar', data: controlTar }, data]));
    expect(pkg.name).toBe('sample');
  });

  it('stops a gzip bomb in control.tar', async () => {
    const bomb = Buffer.alloc(64 * 1024 * 1024);
    const controlTar = await tarPack([{ name: './control', content: sampleControl() }, { name: './zeros', content: bomb }]);
    const [binary, , data] = arUnpack(debs.gzip);
    const deb = arPack([binary, { name: 'control.tar.gz', data: compress('gzip', controlTar) }, data]);
    expect(deb.length).toBeLessThan(200_000);
    expect(await failureCode(parse(deb))).toBe('FORMAT_LIMIT_EXCEEDED');
  });

  it('stops data.tar bombs, hostile zstd windows and huge xz dictionaries', async () => {
    const zeros = await tarPack([{ name: './big', content: Buffer.alloc(64 * 1024 * 1024) }]);
    const [binary, control] = arUnpack(debs.gzip);
    for (const z of ['gzip', 'xz', 'zstd'] as Z[]) {
      const deb = arPack([binary, control, { name: `data.tar${suffix(z)}`, data: compress(z, zeros) }]);
      expect(await failureCode(parseDeb(bufferSource(deb), { dataTarRatioFloor: 1024 * 1024 }))).toBe('FORMAT_LIMIT_EXCEEDED');
    }
    // A zstd frame header declaring a 2 GiB window, followed by an empty last raw block.
    const window = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 21 << 3, 0x01, 0x00, 0x00]);
    expect(await failureCode(parse(arPack([binary, control, { name: 'data.tar.zst', data: window }])))).toBe('FORMAT_LIMIT_EXCEEDED');
    const bigDict = compress('xz', await tarPack([{ name: './a', content: 'a' }]), ['--lzma2=dict=1536MiB']);
    expect(await failureCode(parse(arPack([binary, control, { name: 'data.tar.xz', data: bigDict }])))).toBe('FORMAT_LIMIT_EXCEEDED');
    const sha256 = compress('xz', await tarPack([{ name: './a', content: 'a' }]), ['--check=sha256']);
    expect(await failureCode(parse(arPack([binary, control, { name: 'data.tar.xz', data: sha256 }])))).toBe('FORMAT_UNSUPPORTED');
    // The xz decoder is shared process-wide: a failed stream must not block the next one.
    const ok = await parse(debs.xz);
    expect(ok.files.length).toBeGreaterThan(0);
  });

  it('enforces the entry-count and path-length limits', async () => {
    expect(await failureCode(parseDeb(bufferSource(debs.xz), { dataEntries: 2 }))).toBe('FORMAT_LIMIT_EXCEEDED');
    expect(await failureCode(parseDeb(bufferSource(debs.xz), { pathLength: 6 }))).toBe('FORMAT_LIMIT_EXCEEDED');
    const longControl = `${sampleControl()}X-Padding: ${'p'.repeat(2 * 1024 * 1024)}\n`;
    expect(await failureCode(parse(await handDeb({ control: longControl })))).toBe('FORMAT_LIMIT_EXCEEDED');
  });

  it('refuses unsafe member names', async () => {
    const control = sampleControl();
    for (const name of ['../control', '/control', './x/../../control']) {
      const deb = await handDeb({ controlEntries: [{ name, content: control }] });
      expect(await failureCode(parse(deb))).toBe('UNSAFE_PATH');
    }
    for (const name of ['./usr/../../etc/passwd', '../x', 'usr/bin/\nnewline']) {
      const deb = await handDeb({ dataEntries: [{ name, content: 'x' }] });
      expect(await failureCode(parse(deb))).toBe('UNSAFE_PATH');
    }
    const hard = await handDeb({ dataEntries: [{ name: './usr/bin/h', type: 'link', linkname: '../../etc/shadow' }] });
    expect(await failureCode(parse(hard))).toBe('UNSAFE_PATH');
  });

  it('rejects invalid or missing control data', async () => {
    const without = (field: string) => sampleControl().replace(new RegExp(`^${field}: .*\\n`, 'm'), '');
    for (const field of ['Package', 'Version', 'Architecture']) {
      expect(await failureCode(parse(await handDeb({ control: without(field) })))).toBe('FORMAT_INVALID');
    }
    const bad = [
      sampleControl('Bad_Name'),
      sampleControl('a'),
      sampleControl('sample', '1.0/../../x'),
      sampleControl('sample', '1:2:3'),
      sampleControl('sample', 'x:1.0'),
      sampleControl('sample', '1.0-'),
      sampleControl('sample', '1.0', 'amd64/../x'),
      sampleControl('sample', '1.0', 'any'),
      sampleControl().replace('Source: sample-src (2.3-1)', 'Source: Bad Source'),
      `${sampleControl()}Package: again\n`,
      `${sampleControl()}\nPackage: second-stanza\n`,
      ` continuation first\n${sampleControl()}`,
      'Package sample\n',
    ];
    for (const control of bad) expect(await failureCode(parse(await handDeb({ control })))).toBe('FORMAT_INVALID');
    const latin1 = Buffer.concat([Buffer.from(sampleControl()), Buffer.from('X-Name: caf\xe9\n', 'latin1')]);
    expect(await failureCode(parse(await handDeb({ controlEntries: [{ name: './control', content: latin1 }] })))).toBe('FORMAT_INVALID');
    expect(await failureCode(parse(await handDeb({ controlEntries: [{ name: './md5sums', content: '' }] })))).toBe('FORMAT_INVALID');
    const unsupported = arPack([...arUnpack(debs.gzip).slice(0, 2), { name: 'data.tar.bz2', data: Buffer.from('BZh9') }]);
    expect(await failureCode(parse(unsupported))).toBe('FORMAT_UNSUPPORTED');
    const noData = arPack(arUnpack(debs.gzip).slice(0, 2));
    expect(await failureCode(parse(noData))).toBe('FORMAT_TRUNCATED');
  });

  it('passes I/O errors of the byte source through instead of calling the package malformed', async () => {
    for (const z of ['gzip', 'xz', 'zstd', 'none'] as Z[]) {
      const buf = debs[z];
      const dataOffset = buf.length - arUnpack(buf)[2].data.length;
      const failing = {
        size: buf.length,
        read: async (offset: number, length: number) => {
          if (offset + length > dataOffset) throw new Error('EIO: disk on fire');
          return buf.subarray(offset, Math.min(buf.length, offset + length));
        },
      };
      await expect(parseDeb(failing)).rejects.toThrow('EIO: disk on fire');
    }
  });

  it('never lets a non-AppError escape on corrupted bytes', async () => {
    // Deterministic corruption: flip bytes at a stride through each fixture.
    for (const z of ['gzip', 'xz', 'zstd', 'none'] as Z[]) {
      const buf = debs[z];
      for (let i = 8; i < buf.length; i += Math.max(1, Math.floor(buf.length / 300))) {
        const bad = Buffer.from(buf);
        bad[i] ^= 0xff;
        await settles(parse(bad), `byte ${i} of the ${z} fixture`);
      }
    }
  });
});
