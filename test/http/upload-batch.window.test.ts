import { describe, expect, it } from 'vitest';
import type { UploadResult } from '../../src/content/ingest.service.js';
import { ImportWindow } from '../../src/http/api/upload-batch.window.js';

/** An import the test settles by hand. */
function pending(name: string) {
  let settle!: () => void;
  const result = new Promise<UploadResult>((resolve) => {
    settle = () => resolve({ filename: name, status: 'accepted' } as UploadResult);
  });
  return { result, settle };
}

/** Whether `p` is still waiting after the microtasks and timers queued so far have run. */
async function waiting(p: Promise<unknown>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return !done;
}

describe('ImportWindow', () => {
  it('holds at most `limit` imports in flight', async () => {
    const w = new ImportWindow(2);
    const a = pending('a');
    const b = pending('b');
    await w.add('a', a.result);
    const adding = w.add('b', b.result);
    expect(await waiting(adding)).toBe(true);
    a.settle();
    await adding;
    expect(w.size).toBe(2);
  });

  it('waits while the staged bytes in memory exceed the byte limit', async () => {
    const w = new ImportWindow(64, 10);
    const a = pending('a');
    const b = pending('b');
    const c = pending('c');
    await w.add('a', a.result, 4);
    await w.add('b', b.result, 4);
    // 12 bytes in memory: the third waits for the oldest, though far fewer than 64 are in flight.
    const adding = w.add('c', c.result, 4);
    expect(await waiting(adding)).toBe(true);
    a.settle();
    await adding;
    b.settle();
    c.settle();
    const results = await w.settle();
    expect(results.map((r) => r.filename)).toEqual(['a', 'b', 'c']);
  });

  it('lets one import larger than the byte limit through, alone', async () => {
    const w = new ImportWindow(64, 10);
    const big = pending('big');
    const next = pending('next');
    // Alone in the window it does not wait for itself; the next file waits until it settles.
    expect(await waiting(w.add('big', big.result, 50))).toBe(false);
    const adding = w.add('next', next.result, 1);
    expect(await waiting(adding)).toBe(true);
    big.settle();
    await adding;
    next.settle();
    expect((await w.settle()).map((r) => r.filename)).toEqual(['big', 'next']);
  });
});
