import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BlobBatch } from '../../src/repo/blob-batch.js';
import type { BlobStore } from '../../src/store/blobs/blob-store.js';

/** The putMany calls a batch makes, each as the list of SHA-256 it wrote. */
function recordingStore() {
  const writes: string[][] = [];
  const store = { putMany: async (blobs: Array<{ sha256: string }>) => void writes.push(blobs.map((b) => b.sha256)) } as unknown as BlobStore;
  return { store, writes };
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('BlobBatch', () => {
  it('answers each address at once and writes the bytes a flush size at a time, then the rest on flush', async () => {
    const { store, writes } = recordingStore();
    const batch = new BlobBatch(store, 100);
    const a = Buffer.alloc(60, 'a');
    const b = Buffer.alloc(60, 'b');
    const c = Buffer.alloc(10, 'c');
    expect(await batch.add(a)).toEqual({ sha256: sha(a), size: 60 });
    expect(writes).toEqual([]);
    await batch.add(b);
    // 120 bytes queued: written as one.
    expect(writes).toEqual([[sha(a), sha(b)]]);
    await batch.add(c);
    expect(writes).toHaveLength(1);
    await batch.flush();
    expect(writes).toEqual([[sha(a), sha(b)], [sha(c)]]);
    // Nothing queued: no empty write.
    await batch.flush();
    expect(writes).toHaveLength(2);
  });
});
