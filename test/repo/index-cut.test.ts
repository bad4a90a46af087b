import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chunkItems, cutRuns, type IndexItem, IndexCutter } from '../../src/repo/index-cut.js';

const item = (id: number): IndexItem => ({ id, sha256: createHash('sha256').update(`pkg-${id}`).digest('hex') });
const digest = (g: IndexItem[]) => createHash('sha256').update(g.map((i) => i.sha256).join('\n')).digest('hex');
const plain = (g: IndexItem[][]) => g.map((c) => c.map((i) => `${i.id}:${i.sha256}`));

/** Deterministic pseudo-random numbers (the test must not depend on the run). */
function lcg(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 31;
  };
}

describe('IndexCutter', () => {
  it('cuts every changed list of a lane exactly as a cut from scratch does', () => {
    const cutter = new IndexCutter();
    const rand = lcg(7);
    let ids = Array.from({ length: 3000 }, (_, i) => i);
    let next = 3000;
    const edits: Array<(l: number[]) => number[]> = [
      (l) => [...l, next++], // an upload: the highest id lands at the end
      (l) => [...l, next++, next++, next++],
      (l) => l.filter((_, i) => i !== Math.floor(rand() * l.length)), // a removal anywhere
      (l) => l.slice(0, Math.floor(rand() * l.length)), // most of the end removed
      (l) => [...l.slice(0, 10), next++, ...l.slice(10)], // an insertion near the start
      (l) => l, // republished unchanged
      (l) => l.slice(), // the same members in a new list
      (l) => l.map((id, i) => (i === l.length - 1 ? next++ : id)), // the last one replaced
    ];
    for (let round = 0; round < 60; round++) {
      ids = edits[round % edits.length](ids);
      const items = ids.map(item);
      const cut = cutter.cut(items, 'repo/main/amd64');
      const expected = chunkItems(items);
      expect(plain(cut.groups)).toEqual(plain(expected));
      expect(cut.digests).toEqual(expected.map(digest));
    }
    expect(cutter.cut([], 'repo/main/amd64')).toEqual({ groups: [], digests: [] });
    expect(plain(cutter.cut(ids.map(item), 'repo/main/amd64').groups)).toEqual(plain(chunkItems(ids.map(item))));
  });

  it('keeps lanes apart and returns the same cut for the same list', () => {
    const cutter = new IndexCutter();
    const a = Array.from({ length: 2000 }, (_, i) => item(i));
    const b = Array.from({ length: 500 }, (_, i) => item(10_000 + i));
    const cutA = cutter.cut(a, 'a');
    expect(cutter.cut(a, 'a')).toBe(cutA);
    expect(plain(cutter.cut(b, 'a').groups)).toEqual(plain(chunkItems(b)));
    expect(plain(cutter.cut([...a, item(99_999)], 'b').groups)).toEqual(plain(chunkItems([...a, item(99_999)])));
    expect(plain(cutter.cut(a.slice(0, 1500)).groups)).toEqual(plain(chunkItems(a.slice(0, 1500))));
  });

  it('groups chunks into xz runs of several chunks, so one changed chunk changes one run', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => createHash('sha256').update(`chunk-${i}`).digest('hex'));
    const runs = cutRuns(keys);
    // Runs tile the key list in order, average several chunks and respect the maximum.
    expect(runs.flatMap(([a, b]) => Array.from({ length: b - a }, (_, j) => a + j))).toEqual(keys.map((_, i) => i));
    expect(keys.length / runs.length).toBeGreaterThan(4);
    expect(Math.max(...runs.map(([a, b]) => b - a))).toBeLessThanOrEqual(32);
    const members = (k: string[], r: Array<[number, number]>) => new Set(r.map(([a, b]) => k.slice(a, b).join(',')));
    const before = members(keys, runs);
    for (const at of [0, 777, 1999]) {
      const changed = [...keys];
      changed[at] = createHash('sha256').update(`changed-${at}`).digest('hex');
      const after = [...members(changed, cutRuns(changed))];
      // The run holding the changed chunk, and at most its neighbour when the change moved a boundary.
      expect(after.filter((m) => !before.has(m)).length).toBeGreaterThanOrEqual(1);
      expect(after.filter((m) => !before.has(m)).length).toBeLessThanOrEqual(2);
    }
    expect(cutRuns([])).toEqual([]);
  });
});
