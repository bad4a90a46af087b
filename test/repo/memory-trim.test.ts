import { constants, PerformanceObserver } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { createMemoryTrimmer } from '../../src/repo/memory-trim.js';

/** Forced full collections (gc() calls, not V8's own) observed while `fn` runs. */
async function majorCollections(fn: () => void): Promise<number> {
  let n = 0;
  const obs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const d = (e as unknown as { detail?: { kind?: number; flags?: number } }).detail;
      if (d?.kind === constants.NODE_PERFORMANCE_GC_MAJOR && ((d.flags ?? 0) & constants.NODE_PERFORMANCE_GC_FLAGS_FORCED) !== 0) n++;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  fn();
  await new Promise((r) => setTimeout(r, 50));
  obs.disconnect();
  return n;
}

describe('memory trimmer', () => {
  it('collects after work at most once per two seconds', async () => {
    const trimmer = createMemoryTrimmer();
    expect(await majorCollections(() => trimmer.afterWork())).toBe(0);
    await new Promise((r) => setTimeout(r, 2100));
    expect(await majorCollections(() => {
      trimmer.afterWork();
      trimmer.afterWork();
    })).toBe(1);
  });

  it('collects once per builtBytes of index chunks built', async () => {
    const trimmer = createMemoryTrimmer({ builtBytes: 100 });
    expect(await majorCollections(() => trimmer.built(60))).toBe(0);
    expect(await majorCollections(() => trimmer.built(60))).toBe(1);
    // The count starts again after a collection.
    expect(await majorCollections(() => trimmer.built(60))).toBe(0);
    expect(await majorCollections(() => {
      trimmer.built(50);
      trimmer.built(250);
    })).toBe(2);
  });
});
