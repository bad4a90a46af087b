import { BoundedMap } from '../core/bounded-map.js';
import { sha256Hex } from '../core/hash.js';

export interface IndexItem {
  id: number;
  /** Content identity of the package (its SHA-256). */
  sha256: string;
}

/** An item list cut into chunks, with a digest of each chunk's members. */
export interface Cut {
  groups: IndexItem[][];
  digests: string[];
}

const BOUNDARY_MODULUS = 64;
const MAX_CHUNK_ITEMS = 256;

/** A package whose SHA-256 falls on a boundary ends its chunk. */
const endsChunk = (item: IndexItem) => Number.parseInt(item.sha256.slice(0, 6), 16) % BOUNDARY_MODULUS === 0;

/**
 * Content-defined chunks: a chunk ends after a boundary item or at MAX_CHUNK_ITEMS, so adding or removing one
 * package changes one chunk only.
 */
export function chunkItems(items: IndexItem[]): IndexItem[][] {
  const chunks: IndexItem[][] = [];
  let current: IndexItem[] = [];
  for (const item of items) {
    current.push(item);
    if (endsChunk(item) || current.length >= MAX_CHUNK_ITEMS) {
      chunks.push(current);
      current = [];
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

const digestOf = (group: IndexItem[]) => sha256Hex(group.map((it) => it.sha256).join('\n'));

/**
 * Cuts item lists, remembering the last cut of each lane (a repository's component and arch): the next list
 * of that lane usually differs near its end only (new packages get the highest ids), so the chunks before the
 * first difference are taken over with their digests and only the rest is cut and hashed again. The result is
 * always exactly chunkItems(items): the cut is a left-to-right scan, so an unchanged prefix ends in the same
 * chunks. At 50k packages a full cut and its digests cost about 25 ms per index list.
 */
export class IndexCutter {
  private readonly lanes = new BoundedMap<string, { items: IndexItem[]; cut: Cut }>(256);
  /** One list feeds several indexes (Packages and Contents of an arch; primary, filelists and other). */
  private readonly memo = new WeakMap<IndexItem[], Cut>();

  cut(items: IndexItem[], lane?: string): Cut {
    const memo = this.memo.get(items);
    if (memo) return memo;
    const previous = lane === undefined ? undefined : this.lanes.get(lane);
    const cut = previous ? resume(previous.items, previous.cut, items) : full(items);
    this.memo.set(items, cut);
    if (lane !== undefined) this.lanes.set(lane, { items, cut });
    return cut;
  }
}

function full(items: IndexItem[]): Cut {
  const groups = chunkItems(items);
  return { groups, digests: groups.map(digestOf) };
}

/** The cut of `items`, keeping the chunks of `old` that lie wholly before the first item that differs. */
function resume(oldItems: IndexItem[], old: Cut, items: IndexItem[]): Cut {
  const n = Math.min(oldItems.length, items.length);
  let same = 0;
  while (same < n && oldItems[same].id === items[same].id && oldItems[same].sha256 === items[same].sha256) same++;
  if (same === items.length && same === oldItems.length) return old;
  // Chunks that end within the common prefix are unchanged, except the old list's last one when the list
  // merely ended there (new items join it). The rest is cut again from the first chunk not kept.
  const closed = (g: IndexItem[]) => g.length >= MAX_CHUNK_ITEMS || endsChunk(g[g.length - 1]);
  let kept = 0;
  let start = 0;
  while (kept < old.groups.length && start + old.groups[kept].length <= same && (kept < old.groups.length - 1 || closed(old.groups[kept]))) {
    start += old.groups[kept++].length;
  }
  const rest = chunkItems(items.slice(start));
  // The kept groups hold the old list's items, equal to this one's (same ids and SHA-256).
  return { groups: [...old.groups.slice(0, kept), ...rest], digests: [...old.digests.slice(0, kept), ...rest.map(digestOf)] };
}

/** A run holds this many chunks on average (about 500 Packages stanzas) and at most MAX_RUN_CHUNKS. */
const RUN_MODULUS = 8;
const MAX_RUN_CHUNKS = 32;

/**
 * Consecutive chunks compressed together into one .xz block, as [start, end) index ranges over the chunk keys.
 * A run ends after a chunk whose key falls on a boundary (or at MAX_RUN_CHUNKS), so, like the chunks
 * themselves, a changed chunk changes only its own run. Why runs: LZMA pays a fixed price per stream (its
 * encoder's tables are set up afresh) and learns nothing across streams, so one stream per chunk of a few tens
 * of KB costs about 30% more CPU than blocks of a few hundred KB and compresses worse than gzip.
 */
export function cutRuns(keys: string[]): Array<[number, number]> {
  const runs: Array<[number, number]> = [];
  let start = 0;
  keys.forEach((key, i) => {
    if (Number.parseInt(key.slice(0, 6), 16) % RUN_MODULUS === 0 || i + 1 - start >= MAX_RUN_CHUNKS) {
      runs.push([start, i + 1]);
      start = i + 1;
    }
  });
  if (start < keys.length) runs.push([start, keys.length]);
  return runs;
}
