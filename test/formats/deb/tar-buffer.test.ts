/**
 * walkTarBuffer (in memory, synchronous) must read every archive exactly as walkTar (tar-stream) does: the
 * same entries with the same headers and bodies, and the same error code where an archive is broken.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/core/errors.js';
import { walkTar } from '../../../src/formats/deb/tar.js';
import { walkTarBuffer } from '../../../src/formats/deb/tar-buffer.js';
import { skipWithout } from '../../helpers/tools.js';
import { removeTempDirs, tarPack, tempDir } from './deb-fixtures.js';

afterAll(removeTempDirs);

type Seen = { entries: string[] } | { error: string };

const describeHeader = (h: { name: string; type: string | null; size?: number; mode?: number; linkname?: string | null }, body: Uint8Array) =>
  JSON.stringify([h.name, h.type, h.size ?? 0, h.mode ?? 0, h.linkname ?? null, Buffer.from(body).toString('base64')]);

function inMemory(tar: Uint8Array): Seen {
  const entries: string[] = [];
  try {
    walkTarBuffer(tar, (h, body) => entries.push(describeHeader(h, body)));
    return { entries };
  } catch (err) {
    return { error: err instanceof AppError ? err.code : `not an AppError: ${String(err)}` };
  }
}

async function streamed(tar: Uint8Array): Promise<Seen> {
  const entries: string[] = [];
  try {
    await walkTar(
      (async function* () {
        for (let i = 0; i < tar.length; i += 700) yield tar.subarray(i, i + 700);
      })(),
      async (h, read) => {
        const body = h.type === 'directory' ? new Uint8Array(0) : await read(1 << 30);
        entries.push(describeHeader(h, body));
      },
    );
    return { entries };
  } catch (err) {
    return { error: err instanceof AppError ? err.code : `not an AppError: ${String(err)}` };
  }
}

function gnuTar(format: string): Buffer {
  const dir = tempDir(`tar-${format}`);
  const root = join(dir, 'root');
  const deep = join(root, 'usr', 'share', 'doc', 'a-rather-long-directory-name-for-this-test', 'and-another-one-beneath-it-to-pass-100-bytes');
  mkdirSync(deep, { recursive: true });
  writeFileSync(join(deep, 'file-with-a-long-name-as-well.txt'), 'deep content\n');
  writeFileSync(join(root, 'usr', 'empty'), '');
  writeFileSync(join(root, 'usr', 'big'), Buffer.alloc(5000, 'b'));
  symlinkSync('big', join(root, 'usr', 'link-to-big'));
  execFileSync('ln', [join(root, 'usr', 'big'), join(root, 'usr', 'hard-to-big')]);
  const out = join(dir, `${format}.tar`);
  execFileSync('tar', [`--format=${format}`, '-C', root, '-cf', out, '.'], { stdio: 'pipe' });
  return readFileSync(out);
}

describe('walkTarBuffer', () => {
  it('reads archives built by tar-stream exactly as walkTar does', async () => {
    const tar = await tarPack([
      { name: './', type: 'directory' },
      { name: './usr/bin/tool', content: 'binary\n' },
      { name: `./usr/share/${'n'.repeat(150)}/file`, content: 'long path' },
      { name: './usr/bin/alias', type: 'symlink', linkname: 'tool' },
      { name: './usr/bin/hard', type: 'link', linkname: './usr/bin/tool' },
      { name: './empty', content: '' },
    ]);
    const seen = inMemory(tar);
    expect(seen).toEqual(await streamed(tar));
    expect((seen as { entries: string[] }).entries).toHaveLength(6);
  });

  describe.skipIf(skipWithout(['tar']))('archives built by GNU tar', () => {
    for (const format of ['gnu', 'oldgnu', 'pax', 'ustar', 'v7']) {
      it(`reads the ${format} format exactly as walkTar does, also when corrupted`, async () => {
        let tar: Buffer;
        try {
          tar = gnuTar(format);
        } catch (err) {
          // ustar and v7 cannot store names this long: GNU tar refuses them, which is not what is tested here.
          if (format === 'ustar' || format === 'v7') return;
          throw err;
        }
        const whole = inMemory(tar);
        expect(whole).toEqual(await streamed(tar));
        expect((whole as { entries: string[] }).entries.length).toBeGreaterThanOrEqual(7);
        for (let i = 0; i < Math.min(tar.length, 4096); i += 7) {
          const bad = Buffer.from(tar);
          bad[i] ^= 0x5a;
          expect([i, inMemory(bad)]).toEqual([i, await streamed(bad)]);
        }
        for (const cut of [1, 511, 512, 1000, tar.length - 1024, tar.length - 1]) {
          expect([cut, inMemory(tar.subarray(0, cut))]).toEqual([cut, await streamed(tar.subarray(0, cut))]);
        }
      });
    }
  });
});
