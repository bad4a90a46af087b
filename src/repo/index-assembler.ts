import { createHash, type Hash } from 'node:crypto';
import { BoundedMap } from '../core/bounded-map.js';
import { sha256Hex } from '../core/hash.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { IndexChunk, PublicationFile, PublicationsStore } from '../store/sql/publications.store.js';
import { type Cut, cutRuns, type IndexItem, IndexCutter } from './index-cut.js';
import { gzipChunk, xzChunk } from './compress.js';
import type { MemoryTrimmer } from './memory-trim.js';
import { BlobBatch } from './blob-batch.js';
import { decodeRecords, encodeRecords, splitXzStream, type XzBlocks, xzStreamHeader, xzStreamTrailer } from './xz-stream.js';

/**
 * Builds large index files (Packages, Contents, primary/filelists/other XML) from per-package fragments
 * without recompressing what did not change. Members are cut into chunks at content-defined boundaries
 * (a package whose SHA-256 falls on a boundary ends its chunk), so adding or removing one package
 * changes one chunk only. Each chunk is compressed on its own into a complete gzip member and a complete
 * xz stream; both formats allow concatenation, so the published file is the concatenation of its chunks.
 * A chunk is keyed by what it contains and cached (blobs + index_chunks rows + an in-memory LRU).
 */

export interface AssembleInput {
  /** Render kind and version: part of every chunk key, bump it when a renderer's output changes. */
  kind: string;
  items: IndexItem[];
  /**
   * Where the list sits (repository, component, arch): its cut is derived from the lane's previous one
   * (see IndexCutter). Without it the list is cut from scratch.
   */
  lane?: string;
  /** Renders the fragments of the given package ids (each fragment complete, ending with "\n"). */
  render: (ids: number[]) => Promise<Map<number, string>>;
  /** Appended after every fragment (APT stanzas are separated by a blank line). */
  separator?: string;
  head?: string;
  tail?: string;
  xz: boolean;
  /** Per-chunk rewriting of this list's cut (Contents merging, see contents-index.ts). */
  plan?: ContentsPlan;
  /**
   * Background work (prewarming hash states): yields to the event loop every few chunks while hashing and
   * stops with an AbortError once aborted.
   */
  signal?: AbortSignal;
}

/** How an index is cut and what each chunk becomes when it is not the plain concatenation of its fragments. */
export interface ContentsPlan {
  /** Appended to each chunk's key: identifies what transform does to that chunk. */
  keySuffix: string[];
  transform: (index: number, text: string) => string;
  tail?: string;
}

export interface AssembledIndex {
  raw: PublicationFile;
  gz: PublicationFile;
  xz?: PublicationFile;
}

type Part = { sha256: string; size: number };
type XzPart = Part & { records: XzBlocks['records'] };
type ChunkRef = { key: string; raw: Part; gz: Part; bytes?: { raw: Buffer; gz: Buffer } };
/** A run of consecutive chunks compressed into one .xz block (see cutRuns). */
type RunRef = { key: string; xz: XzPart; bytes?: Buffer };
type CachedChunk = Required<ChunkRef>;
type CachedRun = Required<RunRef>;
/** What combine() hashes: one item's parts (one per output file) and, when in memory, their bytes. */
type Hashable = { key: string; parts: Part[]; bytes?: Buffer[] };

/**
 * Chunks (or runs) built at once. A build is mostly waiting (fragments query, compression and blob writes in
 * the thread pool), so as many as the thread pool has threads keep it busy; each holds its text and one encoder.
 */
const BUILD_CONCURRENCY = 4;
/** Chunk reads in flight while a file is hashed. */
const READ_AHEAD = 16;
/** Hash states are kept after every this many chunks (see combine); runs are fewer and larger. */
const STATE_EVERY = 16;
const RUN_STATE_EVERY = 4;
/** Chunk blobs up to this size are read synchronously where the store can (see BlobStore.readSmallSync). */
const SYNC_CHUNK_BYTES = 256 * 1024;
/** Stored in place of a part a row does not have (a chunk row has no xz, a run row only xz). */
const NONE = '-';
type HashState = { hashes: Hash[]; sizes: number[] };

/** Stream flags of what compress.ts writes: no flags byte, check type CRC64 (0x04). */
const XZ_FLAGS = Buffer.from([0x00, 0x04]);

/** Bounded in-memory cache of chunk and run bytes, so an incremental publish need not re-read every blob. */
export class ChunkCache {
  private readonly map = new Map<string, { value: CachedChunk | CachedRun; size: number }>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  chunk(key: string): CachedChunk | undefined {
    const v = this.get(key);
    return v && 'raw' in v ? v : undefined;
  }

  run(key: string): CachedRun | undefined {
    const v = this.get(key);
    return v && 'xz' in v ? v : undefined;
  }

  private get(key: string): CachedChunk | CachedRun | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v?.value;
  }

  set(value: CachedChunk | CachedRun): void {
    if (this.map.has(value.key)) return;
    const size = 'raw' in value ? value.bytes.raw.length + value.bytes.gz.length : value.bytes.length;
    this.map.set(value.key, { value, size });
    this.bytes += size;
    for (const [k, old] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= old.size;
    }
  }
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  });
  await Promise.all(workers);
  return out;
}

function chunkOfRow(row: IndexChunk): ChunkRef {
  return { key: row.key, raw: { sha256: row.raw_sha, size: row.raw_size }, gz: { sha256: row.gz_sha, size: row.gz_size } };
}

function runOfRow(row: IndexChunk): RunRef {
  return { key: row.key, xz: { sha256: row.xz_sha, size: row.xz_size, records: decodeRecords(row.xz_records) } };
}

export class IndexAssembler {
  /** Hash states after chains of chunks or runs (see combine); a few per index and publication. */
  private readonly hashStates = new BoundedMap<string, HashState>(2_000);
  /** Chunk and run addresses by key, without bytes. */
  private readonly refs = new BoundedMap<string, ChunkRef>(20_000);
  private readonly runRefs = new BoundedMap<string, RunRef>(5_000);
  private readonly cutter = new IndexCutter();

  constructor(
    private readonly blobs: BlobStore,
    private readonly publications: PublicationsStore,
    private readonly cache: ChunkCache,
    private readonly now: () => string,
    /** Told how many bytes each chunk and run built (memory-trim.ts). */
    private readonly memory?: Pick<MemoryTrimmer, 'built'>,
  ) {}

  /** The chunks of an item list and a digest of each chunk's members (see IndexCutter). */
  cut(items: IndexItem[], lane?: string): Cut {
    return this.cutter.cut(items, lane);
  }

  async assemble(input: AssembleInput): Promise<AssembledIndex> {
    const { plan } = input;
    const cut = this.cut(input.items, input.lane);
    const groups = cut.groups;
    // The chunk key still names the xz flag (rows stored before runs existed stay valid for raw and gzip).
    const keys = groups.map((_, i) => {
      const suffix = plan?.keySuffix[i] ? `\n${plan.keySuffix[i]}` : '';
      return sha256Hex(`${input.kind}\n${input.xz ? 'xz' : 'noxz'}\n${JSON.stringify(input.separator ?? '')}\n${cut.digests[i]}${suffix}`);
    });
    const runs = (input.xz ? cutRuns(keys) : []).map(([a, b]) => ({ range: [a, b] as [number, number], key: sha256Hex(`xz-run\n${keys.slice(a, b).join('\n')}`) }));
    const { found, foundRuns } = await this.lookUp(keys, runs.map((r) => r.key));
    // What this build writes goes out as packs of about 1 MB; flushed before rows or publications refer to it.
    const batch = new BlobBatch(this.blobs);
    await this.buildMissing(input, groups, keys, found, runs, foundRuns, batch);
    const refs = (found as ChunkRef[]).map((c) => this.cache.chunk(c.key) ?? c);

    const edges = await this.edgeChunks(input, batch);
    const all = [...edges.head, ...refs, ...edges.tail];
    if (all.length === 0) all.push(await this.buildChunk(input, [], 'empty', batch, ''));
    await batch.flush();
    const [raw, gz] = await this.combine('chunks', all.map((c) => ({ key: c.key, parts: [c.raw, c.gz], bytes: c.bytes && [c.bytes.raw, c.bytes.gz] })), [], STATE_EVERY, input.signal);
    const result: AssembledIndex = {
      raw: { path: '', sha256: raw.hash.digest('hex'), size: raw.size, parts: all.map((c) => c.raw) },
      gz: { path: '', sha256: gz.hash.digest('hex'), size: gz.size, parts: all.map((c) => c.gz) },
    };
    if (input.xz) {
      const edgeRuns = async (chunks: ChunkRef[]) => Promise.all(chunks.map(async (c) => this.buildRun(`xz-edge:${c.key}`, [await this.rawOf(c)], batch)));
      const [head, tail] = [await edgeRuns(edges.head), await edgeRuns(edges.tail)];
      await batch.flush();
      result.xz = await this.combineXz([...head, ...(foundRuns as RunRef[]).map((r) => this.cache.run(r.key) ?? r), ...tail], input.signal);
    }
    return result;
  }

  /**
   * Addresses of chunks and runs seen before are kept in memory (small); only unseen keys cost a query. They
   * are taken into the arrays first: building new chunks may push older addresses out of the bounded maps.
   */
  private async lookUp(keys: string[], runKeys: string[]): Promise<{ found: Array<ChunkRef | undefined>; foundRuns: Array<RunRef | undefined> }> {
    const found: Array<ChunkRef | undefined> = keys.map((k) => this.cache.chunk(k) ?? this.refs.get(k));
    const foundRuns: Array<RunRef | undefined> = runKeys.map((k) => this.cache.run(k) ?? this.runRefs.get(k));
    const unseen = [...keys.filter((_, i) => !found[i]), ...runKeys.filter((_, r) => !foundRuns[r])];
    const stored = unseen.length ? await this.publications.chunks(unseen) : new Map<string, IndexChunk>();
    keys.forEach((k, i) => {
      const row = found[i] ? undefined : stored.get(k);
      if (row) this.refs.set(k, (found[i] = chunkOfRow(row)));
    });
    runKeys.forEach((k, r) => {
      const row = foundRuns[r] ? undefined : stored.get(k);
      if (row) this.runRefs.set(k, (foundRuns[r] = runOfRow(row)));
    });
    return { found, foundRuns };
  }

  /**
   * Builds what is missing, in file order, filling in `found` and `foundRuns`: a run whose xz is missing builds
   * its missing chunks and compresses the run's text; a missing chunk outside such a run is built alone. Built
   * chunks keep only their addresses (a publication after a bulk upload builds tens of MB of them); the bounded
   * cache keeps the bytes of the latest.
   */
  private async buildMissing(
    input: AssembleInput,
    groups: IndexItem[][],
    keys: string[],
    found: Array<ChunkRef | undefined>,
    runs: Array<{ range: [number, number]; key: string }>,
    foundRuns: Array<RunRef | undefined>,
    batch: BlobBatch,
  ): Promise<void> {
    const inMissingRun = new Set<number>();
    const work: Array<{ run?: number; chunks: number[] }> = [];
    runs.forEach(({ range: [a, b] }, r) => {
      if (foundRuns[r]) return;
      const chunks = Array.from({ length: b - a }, (_, j) => a + j);
      chunks.forEach((i) => inMissingRun.add(i));
      work.push({ run: r, chunks });
    });
    groups.forEach((_, i) => !found[i] && !inMissingRun.has(i) && work.push({ chunks: [i] }));
    const builtChunks: ChunkRef[] = [];
    const builtRuns: RunRef[] = [];
    await mapLimit(work, BUILD_CONCURRENCY, async ({ run, chunks }) => {
      const texts: Buffer[] = [];
      for (const i of chunks) {
        const known = found[i];
        if (known) {
          texts.push(await this.rawOf(known));
          continue;
        }
        const c = await this.buildChunk(input, groups[i], keys[i], batch, undefined, i);
        builtChunks.push((found[i] = { key: c.key, raw: c.raw, gz: c.gz }));
        texts.push(c.bytes.raw);
      }
      if (run === undefined) return;
      const r = await this.buildRun(runs[run].key, texts, batch);
      builtRuns.push((foundRuns[run] = { key: r.key, xz: r.xz }));
    });
    await batch.flush();
    await this.publications.saveChunks([
      ...builtChunks.map((c) => ({ ...rowBase(c.key, this.now()), raw_sha: c.raw.sha256, raw_size: c.raw.size, gz_sha: c.gz.sha256, gz_size: c.gz.size })),
      ...builtRuns.map((r) => ({ ...rowBase(r.key, this.now()), xz_sha: r.xz.sha256, xz_size: r.xz.size, xz_records: encodeRecords(r.xz.records) })),
    ]);
    for (const c of builtChunks) this.refs.set(c.key, { key: c.key, raw: c.raw, gz: c.gz });
    for (const r of builtRuns) this.runRefs.set(r.key, { key: r.key, xz: r.xz });
  }

  private async edgeChunks(input: AssembleInput, batch: BlobBatch): Promise<{ head: ChunkRef[]; tail: ChunkRef[] }> {
    const tailText = input.tail ?? input.plan?.tail;
    const head = input.head ? [await this.buildChunk(input, [], `head:${sha256Hex(input.head)}`, batch, input.head)] : [];
    const tail = tailText ? [await this.buildChunk(input, [], `tail:${sha256Hex(tailText)}`, batch, tailText)] : [];
    return { head, tail };
  }

  private async buildChunk(input: AssembleInput, group: IndexItem[], key: string, batch: BlobBatch, literal?: string, index?: number): Promise<CachedChunk> {
    let text = literal ?? '';
    if (literal === undefined) {
      const fragments = await input.render(group.map((i) => i.id));
      const sep = input.separator ?? '';
      text = group.map((i) => `${fragments.get(i.id) ?? ''}${sep}`).join('');
      if (input.plan && index !== undefined) text = input.plan.transform(index, text);
    }
    const raw = Buffer.from(text, 'utf8');
    const gz = await gzipChunk(raw);
    // Written with the build's other chunks, a pack at a time; a publication is only recorded after its parts exist.
    const r = await batch.add(raw);
    const g = await batch.add(gz);
    const chunk = { key, raw: r, gz: g, bytes: { raw, gz } };
    this.cache.set(chunk);
    this.memory?.built(raw.length + gz.length);
    return chunk;
  }

  /** One run's text (its chunks' texts in order) compressed into .xz blocks (one, as liblzma writes a single-threaded stream). */
  private async buildRun(key: string, texts: Buffer[], batch: BlobBatch): Promise<CachedRun> {
    const split = splitXzStream(await xzChunk(texts));
    const part = await batch.add(split.blocks);
    const run = { key, xz: { ...part, records: split.records }, bytes: split.blocks };
    this.cache.set(run);
    // The encoder's output chunks and their concatenation.
    this.memory?.built(2 * split.blocks.length);
    return run;
  }

  /** A chunk's text: from memory when it is there, else from its blob. */
  private async rawOf(ref: ChunkRef): Promise<Buffer> {
    return ref.bytes?.raw ?? this.cache.chunk(ref.key)?.bytes.raw ?? this.blobs.readBuffer(ref.raw.sha256);
  }

  /** One .xz stream: our header, every run's blocks, then an index over all of them. */
  private async combineXz(runs: RunRef[], signal?: AbortSignal): Promise<PublicationFile> {
    const header = xzStreamHeader(XZ_FLAGS);
    const blocks = runs.filter((r) => r.xz.size > 0);
    const [xz] = await this.combine('xz', blocks.map((r) => ({ key: r.key, parts: [r.xz], bytes: r.bytes && [r.bytes] })), [header], RUN_STATE_EVERY, signal);
    const trailer = xzStreamTrailer(XZ_FLAGS, blocks.flatMap((b) => b.xz.records));
    const [h, t] = await Promise.all([this.blobs.putBuffer(header, { durable: false }), this.blobs.putBuffer(trailer, { durable: false })]);
    return {
      path: '',
      sha256: xz.hash.update(trailer).digest('hex'),
      size: xz.size + trailer.length,
      parts: [h, ...blocks.map((b) => ({ sha256: b.xz.sha256, size: b.xz.size })), t],
    };
  }

  /**
   * Hashes and sizes the concatenation of each part column (raw and gzip of chunks; xz of runs). SHA-256 is
   * not composable, so the hash state after an item is kept every few items, keyed by the chain of keys up to
   * it: a publication that only changes the tail (new packages land at the end) resumes from the state before
   * the first changed item. `prefix` is hashed first in each column (the xz stream header).
   */
  private async combine(seed: string, items: Hashable[], prefix: Buffer[], every: number, signal?: AbortSignal): Promise<Array<{ hash: Hash; size: number }>> {
    const width = items[0]?.parts.length ?? prefix.length;
    const chain: string[] = [];
    let prev = seed;
    for (const item of items) {
      prev = sha256Hex(`${prev}\n${item.key}`);
      chain.push(prev);
    }
    let start = items.length;
    let resume: HashState | undefined;
    for (; start > 0; start--) {
      resume = this.hashStates.get(chain[start - 1]);
      if (resume) break;
    }
    const hashes = Array.from({ length: width }, (_, c) => resume?.hashes[c].copy() ?? createHash('sha256').update(prefix[c] ?? Buffer.alloc(0)));
    const sizes = resume ? [...resume.sizes] : Array.from({ length: width }, (_, c) => prefix[c]?.length ?? 0);
    // Items not in memory are read ahead while earlier ones are hashed (an rpm index whose head changed is
    // rehashed whole: its package count comes first). A store that can read a small blob synchronously does so
    // into reused buffers: a 50k-package rpm index is thousands of chunk blobs.
    const ahead = new Map<number, Promise<Buffer[]>>();
    const scratch = Array.from({ length: width }, () => Buffer.allocUnsafe(0));
    const fetch = (i: number) => {
      if (i >= items.length || ahead.has(i) || items[i].bytes || this.canReadSync(items[i])) return;
      const p = Promise.all(items[i].parts.map((part) => this.blobs.readBuffer(part.sha256)));
      p.catch(() => undefined); // awaited below in order; a failure surfaces there
      ahead.set(i, p);
    };
    for (let i = start; i < items.length; i++) {
      if (signal && i % STATE_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
      const item = items[i];
      for (let j = i; j < i + READ_AHEAD; j++) fetch(j);
      const bytes = item.bytes ?? (this.canReadSync(item) ? this.readSync(item, scratch) : await ahead.get(i)!);
      ahead.delete(i);
      bytes.forEach((b, c) => {
        hashes[c].update(b);
        sizes[c] += b.length;
      });
      // Every few items and at the end: a later publication resumes from the nearest one before its first
      // change and rereads at most `every` items; a state per item costs a hash copy per column each.
      if (i % every === every - 1 || i >= items.length - 2) this.hashStates.set(chain[i], { hashes: hashes.map((h) => h.copy()), sizes: [...sizes] });
    }
    return hashes.map((hash, c) => ({ hash, size: sizes[c] }));
  }

  private canReadSync(item: Hashable): boolean {
    return this.blobs.readSmallSync !== undefined && item.parts.every((p) => p.size <= SYNC_CHUNK_BYTES);
  }

  /** An item's bytes read into reused buffers: valid until the next call with the same scratch. */
  private readSync(item: Hashable, scratch: Buffer[]): Buffer[] {
    return item.parts.map((part, c) => {
      if (scratch[c].length < part.size) scratch[c] = Buffer.allocUnsafe(Math.max(part.size, 64 * 1024));
      return this.blobs.readSmallSync!(part.sha256, part.size, scratch[c]);
    });
  }
}

/** An index_chunks row with no parts: a chunk row fills in raw and gzip, a run row xz. */
function rowBase(key: string, now: string): IndexChunk {
  return { key, raw_sha: NONE, raw_size: 0, gz_sha: NONE, gz_size: 0, xz_sha: NONE, xz_size: 0, xz_records: '', created_at: now };
}
