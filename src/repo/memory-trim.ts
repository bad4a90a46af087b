import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * V8 collects lazily: publications and uploads leave tens of MB of dead strings and buffers that a
 * long-running server keeps resident (measured: 230 MB RSS after 3,000 uploads, 167 MB when a full
 * collection runs every few seconds, with 30 MB live).
 *
 * While heavy work goes on (a bulk upload and the publications after it), the heap is kept small by V8's own
 * collector instead: `npm start` passes `--heap-growing-percent=60` (see docs/operations.md, Memory), so its
 * concurrent marking starts sooner. Forcing full collections under pressure, as an earlier version did, ran
 * them on the main thread and made a 50k-package bulk ingest about 15% slower for the same peak RSS.
 */
export interface MemoryTrimmer {
  /** After heavy work: a full collection, at most every 2 s. It costs a few ms, paid only by busy servers. */
  afterWork(): void;
  /**
   * A publication build made `bytes` of index chunks (text and compressed). Every `builtBytes` of them, a full
   * collection. Chunk buffers outlive a few young-generation collections while they are compressed and
   * written, so they die in the old generation: a build after a 20k-package bulk upload left 25-30 MB of them
   * to V8, which only collects when external memory has grown by about 64 MB (the peak RSS of a 50k ingest).
   * One collection costs 30-80 ms at 50k packages, once per tens of MB built.
   */
  built(bytes: number): void;
}

export function createMemoryTrimmer(opts: { builtBytes?: number } = {}): MemoryTrimmer {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  const builtBytes = opts.builtBytes ?? 16 * 1024 * 1024;
  let last = performance.now();
  let sinceCollection = 0;
  const collect = () => {
    last = performance.now();
    sinceCollection = 0;
    gc();
  };
  return {
    afterWork: () => {
      if (performance.now() - last >= 2000) collect();
    },
    built: (bytes) => {
      sinceCollection += bytes;
      if (sinceCollection >= builtBytes) collect();
    },
  };
}
