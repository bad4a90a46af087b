import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BlobPacks } from '../../src/store/blobs/blob-packs.js';
import { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';

const sha = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

describe('FsBlobStore packs', () => {
  let dir: string;
  const open = async () => {
    const store = new FsBlobStore(dir);
    await store.init();
    return store;
  };
  const stageAll = (store: FsBlobStore, bodies: string[]) => Promise.all(bodies.map((b) => store.stage(Readable.from([Buffer.from(b)]), { maxBytes: 1 << 20 })));
  const packFiles = () =>
    readdirSync(path.join(dir, 'packs'))
      .filter((f) => f.endsWith('.pack'))
      .sort((a, b) => Number.parseInt(a) - Number.parseInt(b));
  const all = async (store: FsBlobStore) => {
    const out: Record<string, number> = {};
    for await (const b of store.list()) out[b.sha256] = b.size;
    return out;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-packs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('commits the small uploads of one group commit as one file and reads them back, whole and by range, after a restart', async () => {
    const bodies = Array.from({ length: 50 }, (_, i) => `package number ${i} `.repeat(i + 1));
    const store = await open();
    await store.commitAll(await stageAll(store, bodies));
    expect(packFiles()).toHaveLength(1);
    const [pack] = packFiles();
    expect(readdirSync(path.join(dir, 'sha256'))).toEqual([]);

    const again = await open();
    for (const b of bodies) {
      expect((await again.readBuffer(sha(b))).toString()).toBe(b);
      expect(await again.has(sha(b))).toBe(true);
      expect(await text(again.read(sha(b), { start: 2, end: 9 }))).toBe(b.slice(2, 10));
      expect(again.readSmallSync(sha(b), b.length, Buffer.alloc(4096)).toString()).toBe(b);
    }
    expect(await again.has(sha('never stored'))).toBe(false);
    expect(Object.keys(await all(again)).sort()).toEqual(bodies.map(sha).sort());

    // Already packed: nothing new is written, only the pack's time renewed (garbage collection's grace).
    const old = new Date(Date.now() - 86_400_000);
    utimesSync(path.join(dir, 'packs', pack), old, old);
    await again.commitAll(await stageAll(again, bodies.slice(0, 3)));
    expect(packFiles()).toEqual([pack]);
    expect(statSync(path.join(dir, 'packs', pack)).mtimeMs).toBeGreaterThan(old.getTime() + 60_000);
  });

  it('stores the chunk blobs of a build (putMany) as one pack; one already stored, or given twice, is written once', async () => {
    const store = await open();
    const old = Buffer.from('a chunk an earlier build stored');
    await store.putMany([{ sha256: sha(old), bytes: old }]);
    expect(packFiles()).toHaveLength(1);
    const chunks = Array.from({ length: 20 }, (_, i) => Buffer.from(`Package: p${i}\n`.repeat(i + 1)));
    const blobs = [...chunks, chunks[3], old].map((bytes) => ({ sha256: sha(bytes), bytes }));
    await store.putMany(blobs);
    expect(packFiles()).toHaveLength(2);
    const listed = await all(store);
    expect(Object.keys(listed)).toHaveLength(21);
    const reopened = await open();
    for (const c of chunks) expect((await reopened.readBuffer(sha(c))).equals(c)).toBe(true);
    const into = Buffer.alloc(1024);
    expect(reopened.readSmallSync(sha(chunks[5]), chunks[5].length, into).equals(chunks[5])).toBe(true);
  });

  it('keeps serving blobs stored as files before packs existed, without packing them again', async () => {
    const body = Buffer.from('stored by an earlier version');
    const s = sha(body);
    const file = path.join(dir, 'sha256', s.slice(0, 2), s.slice(2, 4), s);
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, body);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(file, old, old);
    const store = await open();
    await store.commitAll(await stageAll(store, [body.toString()]));
    expect(packFiles()).toEqual([]);
    expect(statSync(file).mtimeMs).toBeGreaterThan(old.getTime() + 60_000); // renewed for garbage collection
    expect(await store.readBuffer(s)).toEqual(body);
    expect(await all(store)).toEqual({ [s]: body.length });

    // The same for a blob this process stored as a file (an index chunk has the same address as an upload).
    const chunk = Buffer.from('written by putBuffer');
    await store.putBuffer(chunk);
    await store.commitAll(await stageAll(store, [chunk.toString()]));
    expect(packFiles()).toEqual([]);
    // A new upload is packed: no file stands in its way.
    await store.commitAll(await stageAll(store, ['new upload']));
    expect(packFiles()).toHaveLength(1);
  });

  it('deletes packed blobs for good: tombstones survive a restart, an emptied pack is removed, a blob stored again is live', async () => {
    const store = await open();
    await store.commitAll(await stageAll(store, ['a1', 'a2', 'a3']));
    await store.commitAll(await stageAll(store, ['b1']));
    const [first, second] = packFiles();
    expect(second).toBeDefined();
    await store.delete(sha('a1'));
    await store.delete(sha('b1'));
    expect(packFiles()).toEqual([first]);
    expect(await store.has(sha('a1'))).toBe(false);

    let again = await open();
    expect(Object.keys(await all(again)).sort()).toEqual([sha('a2'), sha('a3')].sort());
    await again.commitAll(await stageAll(again, ['a1']));
    again = await open();
    expect((await again.readBuffer(sha('a1'))).toString()).toBe('a1');
    await again.delete(sha('a2'));
    await again.delete(sha('a3'));
    again = await open();
    expect(packFiles()).toHaveLength(1);
    expect(packFiles()[0]).not.toBe(first);
    expect(Object.keys(await all(again))).toEqual([sha('a1')]);
  });

  it('compacts packs whose bytes are mostly dead into a new one', async () => {
    const store = await open();
    const bodies = Array.from({ length: 10 }, (_, i) => `blob-${i}-${'x'.repeat(100)}`);
    await store.commitAll(await stageAll(store, bodies));
    const [original] = packFiles();
    for (const b of bodies.slice(0, 4)) await store.delete(sha(b));
    const packs = await BlobPacks.open(path.join(dir, 'packs'), path.join(dir, 'tmp'));
    expect(await packs.compact(0)).toBe(0); // 60% still live
    await packs.delete(sha(bodies[4]));
    await packs.delete(sha(bodies[5]));
    expect(await packs.compact(0)).toBe(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(packFiles()).toHaveLength(1);
    expect(packFiles()[0]).not.toBe(original);
    const again = await open();
    expect(Object.keys(await all(again)).sort()).toEqual(bodies.slice(6).map(sha).sort());
    for (const b of bodies.slice(6)) expect((await again.readBuffer(sha(b))).toString()).toBe(b);
  });

  it('refuses to start on a damaged pack rather than serve wrong bytes', async () => {
    const store = await open();
    await store.commitAll(await stageAll(store, ['one', 'two']));
    writeFileSync(path.join(dir, 'packs', packFiles()[0]), 'onetwo-truncated');
    await expect(open()).rejects.toThrow(/no valid trailer/);
  });
});
