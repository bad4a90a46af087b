import { Readable } from 'node:stream';
import type { BlobStore } from '../../store/blobs/blob-store.js';

/** Streams bytes [start, end] (inclusive) of a file stored as a concatenation of blobs. */
export function streamParts(blobs: BlobStore, parts: Array<{ sha256: string; size: number }>, start: number, end: number): Readable {
  async function* generate() {
    let offset = 0;
    for (const part of parts) {
      const partStart = offset;
      const partEnd = offset + part.size - 1;
      offset += part.size;
      if (part.size === 0 || partEnd < start) continue;
      if (partStart > end) break;
      const from = Math.max(start, partStart) - partStart;
      const to = Math.min(end, partEnd) - partStart;
      yield* blobs.read(part.sha256, { start: from, end: to });
    }
  }
  return Readable.from(generate(), { objectMode: false });
}

/** Parses a single-range "Range: bytes=..." header. Returns null when absent/ignored, 'invalid' when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | 'invalid' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null; // multiple ranges or other units: answer with the whole file, as RFC 9110 allows
  const [, a, b] = m;
  if (a === '' && b === '') return 'invalid';
  if (a === '') {
    const n = Number(b);
    if (n === 0) return 'invalid';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(a);
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1);
  if (start >= size || start > end) return 'invalid';
  return { start, end };
}
