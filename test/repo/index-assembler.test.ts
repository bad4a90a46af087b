import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { gunzipSync } from 'node:zlib';
import lzma from 'lzma-native';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChunkCache, IndexAssembler } from '../../src/repo/index-assembler.js';
import { chunkItems } from '../../src/repo/index-cut.js';
import type { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';
import type { openDatabase } from '../../src/store/db/database.js';
import { PublicationsStore } from '../../src/store/sql/publications.store.js';
import type { PublicationFile } from '../../src/store/sql/publications.store.js';
import { skipWithout } from '../helpers/tools.js';
import { openScratchStore, type ScratchStore } from '../helpers/scratch-store.js';

/** Decodes a whole .xz file with liblzma (raw bytes in, raw bytes out). */
const lzmaDecode = (xz: Buffer) =>
  new Promise<Buffer>((resolve, reject) => lzma.decompress(xz, undefined, (out, err) => (err ? reject(err) : resolve(Buffer.from(out)))));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('IndexAssembler', () => {
  let store: ScratchStore;
  let dir: string;
  let blobs: FsBlobStore;
  let db: ReturnType<typeof openDatabase>;
  let renders = 0;
  let assembler: IndexAssembler;
  const items = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ id: from + i, sha256: sha(`pkg-${from + i}`) }));
  const render = async (ids: number[]) => {
    renders += ids.length;
    return new Map(ids.map((id) => [id, `Package: p${id}\nVersion: 1.${id}\nDescription: package number ${id}\n`]));
  };
  const bytesOf = async (f: PublicationFile) => Buffer.concat(await Promise.all(f.parts.map((p) => blobs.readBuffer(p.sha256))));

  beforeAll(async () => {
    store = await openScratchStore('asm');
    ({ dir, blobs, db } = store);
    assembler = new IndexAssembler(blobs, new PublicationsStore(db), new ChunkCache(8 * 1024 * 1024), () => new Date(0).toISOString());
  });
  afterAll(() => store.close());

  it('cuts chunks at content-defined boundaries, so one insertion changes one chunk', () => {
    const base = items(3000);
    const before = chunkItems(base);
    expect(before.length).toBeGreaterThan(10);
    const withOne = [...base.slice(0, 1500), { id: 99999, sha256: sha('inserted') }, ...base.slice(1500)];
    const after = chunkItems(withOne);
    const key = (c: typeof base) => c.map((i) => i.id).join(',');
    const beforeKeys = new Set(before.map(key));
    expect(after.filter((c) => !beforeKeys.has(key(c))).length).toBeLessThanOrEqual(2);
  });

  it('produces a file whose raw, gzip and xz forms hold the same text, with matching hashes and sizes', async () => {
    const list = items(2000);
    const out = await assembler.assemble({ kind: 'test-v1', items: list, render, separator: '\n', xz: true });
    const raw = await bytesOf(out.raw);
    const expected = (await render(list.map((i) => i.id))).values();
    expect(raw.toString()).toBe([...expected].map((s) => `${s}\n`).join(''));
    expect(sha(raw)).toBe(out.raw.sha256);
    expect(raw.length).toBe(out.raw.size);
    const gz = await bytesOf(out.gz);
    expect(sha(gz)).toBe(out.gz.sha256);
    expect(gunzipSync(gz).equals(raw)).toBe(true);
    const xz = await bytesOf(out.xz!);
    expect(sha(xz)).toBe(out.xz!.sha256);
    expect(xz.length).toBe(out.xz!.size);
    expect(out.raw.parts.length).toBeGreaterThan(5);
  });

  it.skipIf(skipWithout(['xz', 'python3']))('writes one .xz stream that single-stream decoders read whole', async () => {
    const out = await assembler.assemble({ kind: 'test-v1', items: items(2000), render, separator: '\n', xz: true });
    const file = path.join(dir, 'Packages.xz');
    writeFileSync(file, await bytesOf(out.xz!));
    const raw = await bytesOf(out.raw);
    expect(spawnSync('xz', ['-t', file]).status).toBe(0);
    const list = spawnSync('xz', ['--robot', '-l', file], { encoding: 'utf8' }).stdout;
    expect(list).toMatch(/^totals\t1\t/m); // exactly one stream
    // Python's LZMADecompressor stops at the end of the first stream, like apt's decoder.
    const py = spawnSync('python3', ['-c', 'import lzma,sys; d=lzma.LZMADecompressor(); sys.stdout.buffer.write(d.decompress(open(sys.argv[1],"rb").read()))', file]);
    expect(py.status).toBe(0);
    expect(Buffer.from(py.stdout).equals(raw)).toBe(true);
  });

  it('re-renders only the changed chunk when a package is appended, and hashes stay exact', async () => {
    const list = items(2000);
    await assembler.assemble({ kind: 'test-v2', items: list, render, xz: true });
    renders = 0;
    const more = [...list, ...items(1, 5000)];
    const out = await assembler.assemble({ kind: 'test-v2', items: more, render, xz: true });
    expect(renders).toBeLessThan(300);
    const raw = await bytesOf(out.raw);
    expect(sha(raw)).toBe(out.raw.sha256);
    expect(raw.toString().endsWith('Package: p5000\nVersion: 1.5000\nDescription: package number 5000\n')).toBe(true);
    expect(sha(await bytesOf(out.xz!))).toBe(out.xz!.sha256);
    expect((await lzmaDecode(await bytesOf(out.xz!))).equals(raw)).toBe(true);
    expect(sha(await bytesOf(out.gz))).toBe(out.gz.sha256);
    // The xz file is a few runs of chunks: only the last run was compressed again.
    const first = out.xz!.parts.slice(1, -1);
    expect(first.length).toBeGreaterThan(1);
    expect(first.length).toBeLessThan(out.raw.parts.length / 3);
    const again = await assembler.assemble({ kind: 'test-v2', items: [...more, ...items(1, 5001)], render, xz: true });
    const blocks = again.xz!.parts.slice(1, -1);
    expect(blocks.slice(0, -1).map((p) => p.sha256)).toEqual(first.slice(0, blocks.length - 1).map((p) => p.sha256));
  });

  it('keeps hashes exact when a middle chunk changes or the head changes and chunks come back from the store', async () => {
    // A cache too small to hold any chunk: every unchanged chunk is read back from the blob store.
    const cold = new IndexAssembler(blobs, new PublicationsStore(db), new ChunkCache(1), () => new Date(0).toISOString());
    const list = items(3000, 20_000);
    const check = async (out: Awaited<ReturnType<IndexAssembler['assemble']>>, head: string, ids: number[]) => {
      const raw = await bytesOf(out.raw);
      const text = await render(ids);
      expect(raw.toString()).toBe(head + ids.map((id) => text.get(id)).join(''));
      expect(sha(raw)).toBe(out.raw.sha256);
      expect(sha(await bytesOf(out.gz))).toBe(out.gz.sha256);
      const xz = await bytesOf(out.xz!);
      expect(sha(xz)).toBe(out.xz!.sha256);
      expect(out.xz!.size).toBe(xz.length);
      expect((await lzmaDecode(xz)).equals(raw)).toBe(true);
    };
    await cold.assemble({ kind: 'test-v3', items: list, render, head: 'count 3000\n', xz: true });
    // One package dropped from the middle: the hash resumes from a state before it.
    const fewer = [...list.slice(0, 1700), ...list.slice(1701)];
    await check(await cold.assemble({ kind: 'test-v3', items: fewer, render, head: 'count 3000\n', xz: true }), 'count 3000\n', fewer.map((i) => i.id));
    // The head changed (like primary.xml's package count): everything after it is rehashed from stored chunks.
    await check(await cold.assemble({ kind: 'test-v3', items: fewer, render, head: 'count 2999\n', xz: true }), 'count 2999\n', fewer.map((i) => i.id));
  });

  it('writes valid empty files for an empty index', async () => {
    const out = await assembler.assemble({ kind: 'test-v1', items: [], render, xz: true });
    expect(out.raw.size).toBe(0);
    expect(gunzipSync(await bytesOf(out.gz)).length).toBe(0);
    const file = path.join(dir, 'empty.xz');
    writeFileSync(file, await bytesOf(out.xz!));
    expect(spawnSync('xz', ['-dc', file]).stdout.length).toBe(0);
  });
});
