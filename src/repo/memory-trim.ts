import v8 from 'node:v8';
import vm from 'node:vm';

/**
 * V8 collects lazily: publications and uploads leave tens of MB of dead strings and buffers that a
 * long-running server keeps resident (measured: 230 MB RSS after 3,000 uploads, 167 MB when a full
 * collection runs every few seconds, with 30 MB live).
 */
export interface MemoryTrimmer {
  /** After heavy work: a full collection, at most every 2 s. It costs a few ms, paid only by busy servers. */
  afterWork(): void;
  /**
   * While heavy work goes on: a full collection once the heap and its buffers have grown by the allowance
   * since the last one, at most every 0.5 s. A bulk upload and the publications after it make garbage faster
   * than V8 collects it: buffers, whose bytes live outside the heap, piled up by 30 MB in 2 s, and the heap
   * reached 200 MB with 60 MB live (50k packages). Small work (one upload, its publication) stays under
   * the allowance and pays nothing.
   */
  underPressure(): void;
}

const heapAndBuffers = (): number => {
  const h = v8.getHeapStatistics();
  return h.used_heap_size + h.external_memory;
};

export function createMemoryTrimmer(allowanceBytes = 32 * 1024 * 1024): MemoryTrimmer {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  let last = performance.now();
  let afterLast = heapAndBuffers();
  const collect = () => {
    last = performance.now();
    gc();
    afterLast = heapAndBuffers();
  };
  return {
    afterWork: () => {
      if (performance.now() - last >= 2000) collect();
    },
    underPressure: () => {
      if (performance.now() - last >= 500 && heapAndBuffers() > afterLast + allowanceBytes) collect();
    },
  };
}
