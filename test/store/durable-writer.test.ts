import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DurableWriter } from '../../src/store/blobs/durable-writer.js';
import { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('DurableWriter', () => {
  let dir: string;
  let tmpDir: string;
  let writer: DurableWriter;

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-durable-'));
    tmpDir = path.join(dir, 'tmp');
    mkdirSync(tmpDir);
    writer = new DurableWriter(tmpDir);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes bytes and moves staged files into place, creating the directories', async () => {
    const staged = path.join(tmpDir, 'staged');
    writeFileSync(staged, 'from a temp file');
    await writer.write([
      { bytes: Buffer.from('in memory'), dest: path.join(dir, 'a', 'b', 'one') },
      { tmp: staged, dest: path.join(dir, 'a', 'c', 'two') },
    ]);
    expect(readFileSync(path.join(dir, 'a', 'b', 'one'), 'utf8')).toBe('in memory');
    expect(readFileSync(path.join(dir, 'a', 'c', 'two'), 'utf8')).toBe('from a temp file');
    expect(readdirSync(tmpDir)).toEqual([]);
  });

  it('fails a batch it cannot complete, leaves no temp files, and serves the next batch', async () => {
    writeFileSync(path.join(dir, 'file'), 'x');
    // A directory cannot be created under a regular file.
    const bad = writer.write([
      { bytes: Buffer.from('one'), dest: path.join(dir, 'ok', 'one') },
      { bytes: Buffer.from('two'), dest: path.join(dir, 'file', 'sub', 'two') },
    ]);
    await expect(bad).rejects.toMatchObject({ code: 'ENOTDIR' });
    expect(readdirSync(tmpDir)).toEqual([]);
    await writer.write([{ bytes: Buffer.from('three'), dest: path.join(dir, 'ok', 'three') }]);
    expect(readFileSync(path.join(dir, 'ok', 'three'), 'utf8')).toBe('three');
  });

  it('serves concurrent batches into shared directories', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => writer.write([{ bytes: Buffer.from(`n${i}`), dest: path.join(dir, 'many', `f${i}`) }]));
    await Promise.all(writes);
    expect(readdirSync(path.join(dir, 'many')).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `f${i}`).sort());
    expect(readFileSync(path.join(dir, 'many', 'f7'), 'utf8')).toBe('n7');
    expect(readdirSync(tmpDir)).toEqual([]);
  });
});

describe('FsBlobStore.commitAll', () => {
  it('stores staged uploads under their SHA-256, memory-staged and spilled alike', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-durable-store-'));
    const store = new FsBlobStore(dir);
    try {
      await store.init();
      const small = Buffer.from('a small package');
      const large = Buffer.alloc(3 * 1024 * 1024, 7); // over the in-memory staging limit
      const staged = [await store.stage(Readable.from([small]), { maxBytes: 1 << 30 }), await store.stage(Readable.from([large]), { maxBytes: 1 << 30 })];
      await store.commitAll([...staged, staged[0]]);
      expect(await store.readBuffer(sha(small))).toEqual(small);
      expect((await store.readBuffer(sha(large))).equals(large)).toBe(true);
      for (const s of staged) await s.discard();
      expect(readdirSync(path.join(dir, 'tmp'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('DurableWriter and stored blobs', () => {
  it('does not rewrite a file already at its address, and renews its time for garbage collection', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-durable-again-'));
    const writer = new DurableWriter(dir);
    try {
      const dest = path.join(dir, 'x', 'blob');
      await writer.write([{ bytes: Buffer.from('first'), dest }]);
      const old = new Date(Date.now() - 86_400_000);
      utimesSync(dest, old, old);
      // Other bytes under the same address can only mean a caller bug; the point is that nothing is written.
      await writer.write([{ bytes: Buffer.from('second'), dest }]);
      expect(readFileSync(dest, 'utf8')).toBe('first');
      expect(statSync(dest).mtimeMs).toBeGreaterThan(old.getTime() + 60_000);
      expect(readdirSync(dir)).toEqual(['x']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
