import { createHash, type Hash } from 'node:crypto';
import { BoundedMap } from '../core/bounded-map.js';
import { sha256Hex } from '../core/hash.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { IndexChunk, PublicationFile, PublicationsStore } from '../store/sql/publications.store.js';
import { type Cut, type IndexItem, IndexCutter } from './index-cut.js';
import { gzipChunk, xzChunk } from './compress.js';
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

type ChunkBytes = { raw: Buffer; gz: Buffer; xz: Buffer | null };
type Part = { sha256: string; size: number };
type XzPart = Part & { records: XzBlocks['records'] };
type ChunkRef = { key: string; raw: Part; gz: Part; xz: XzPart | null; bytes?: ChunkBytes };
/** What the cache keeps: the chunk's addresses and its bytes. */
type CachedChunk = Required<ChunkRef>;

/**
 * Chunks built at once. A chunk's build is mostly waiting (fragments query, compression and blob writes in
 * the thread pool), so as many as the thread pool has threads keep it busy; each holds one chunk and one encoder.
 */
const BUILD_CONCURRENCY = 4;
/** Chunk reads in flight while a file is hashed. */
const READ_AHEAD = 16;
/** Hash states are kept after every this many chunks (see combine). */
const STATE_EVERY = 16;
/** Chunk blobs up to this size are read synchronously where the store can (see BlobStore.readSmallSync). */
const SYNC_CHUNK_BYTES = 256 * 1024;
const XZ_NONE = '-';
type HashState = { raw: Hash; gz: Hash; xz: Hash; sizes: { raw: number; gz: number; xz: number } };

/** Stream flags of what compress.ts writes: no flags byte, check type CRC64 (0x04). */
const XZ_FLAGS = Buffer.from([0x00, 0x04]);

/** Bounded in-memory cache of chunk bytes, so an incremental publish need not re-read every chunk blob. */
export class ChunkCache {
  private readonly map = new Map<string, CachedChunk>();
  private bytes = 0;

  constructor(private readonly budget: number) {}

  get(key: string): CachedChunk | undefined {
    const v = this.map.get(key);
    if (v) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(v: CachedChunk): void {
    if (this.map.has(v.key)) return;
    const size = (c: CachedChunk) => c.bytes.raw.length + c.bytes.gz.length + (c.bytes.xz?.length ?? 0);
    this.map.set(v.key, v);
    this.bytes += size(v);
    for (const [k, old] of this.map) {
      if (this.bytes <= this.budget) break;
      this.map.delete(k);
      this.bytes -= size(old);
    }
  }
}

function withoutBytes(c: ChunkRef): ChunkRef {
  return { key: c.key, raw: c.raw, gz: c.gz, xz: c.xz };
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

function refOfRow(row: IndexChunk): ChunkRef {
  return {
    key: row.key,
    raw: { sha256: row.raw_sha, size: row.raw_size },
    gz: { sha256: row.gz_sha, size: row.gz_size },
    xz: row.xz_sha === XZ_NONE ? null : { sha256: row.xz_sha, size: row.xz_size, records: decodeRecords(row.xz_records) },
  };
}

export class IndexAssembler {
  /** Hash states after chunk chains (see combine); a few per index and publication. */
  private readonly hashStates = new BoundedMap<string, HashState>(2_000);
  /** Chunk addresses by key, without bytes. */
  private readonly refs = new BoundedMap<string, ChunkRef>(20_000);
  private readonly cutter = new IndexCutter();

  constructor(
    private readonly blobs: BlobStore,
    private readonly publications: PublicationsStore,
    private readonly cache: ChunkCache,
    private readonly now: () => string,
  ) {}

  /** The chunks of an item list and a digest of each chunk's members (see IndexCutter). */
  cut(items: IndexItem[], lane?: string): Cut {
    return this.cutter.cut(items, lane);
  }

  async assemble(input: AssembleInput): Promise<AssembledIndex> {
    const { plan } = input;
    const cut = this.cut(input.items, input.lane);
    const groups = cut.groups;
    const keys = groups.map((_, i) => {
      const suffix = plan?.keySuffix[i] ? `\n${plan.keySuffix[i]}` : '';
      return sha256Hex(`${input.kind}\n${input.xz ? 'xz' : 'noxz'}\n${JSON.stringify(input.separator ?? '')}\n${cut.digests[i]}${suffix}`);
    });
    // Addresses of chunks seen before are kept in memory (small); only unseen keys cost a query. They are
    // taken into `found` first: building new chunks may push older addresses out of the bounded maps.
    const found: Array<ChunkRef | undefined> = keys.map((k) => this.cache.get(k) ?? this.refs.get(k));
    const unseen = keys.filter((_, i) => !found[i]);
    const stored = unseen.length ? await this.publications.chunks(unseen) : new Map<string, IndexChunk>();
    keys.forEach((k, i) => {
      const row = found[i] ? undefined : stored.get(k);
      if (row) this.refs.set(k, (found[i] = refOfRow(row)));
    });
    const missing = groups.map((g, i) => ({ g, i, key: keys[i] })).filter(({ i }) => !found[i]);

    // Built chunks keep only their addresses: a publication after a bulk upload builds tens of MB of them.
    // The bounded chunk cache keeps the bytes of the latest, which combine() reads from there or the store.
    const built = await mapLimit(missing, BUILD_CONCURRENCY, async ({ g, i, key }) => withoutBytes(await this.buildChunk(input, g, key, undefined, i)));
    await this.publications.saveChunks(
      built.map((c) => ({
        key: c.key,
        raw_sha: c.raw.sha256,
        raw_size: c.raw.size,
        gz_sha: c.gz.sha256,
        gz_size: c.gz.size,
        xz_sha: c.xz?.sha256 ?? XZ_NONE,
        xz_size: c.xz?.size ?? 0,
        xz_records: c.xz ? encodeRecords(c.xz.records) : '',
        created_at: this.now(),
      })),
    );
    missing.forEach(({ i }, j) => {
      const c = built[j];
      this.refs.set(c.key, c);
      found[i] = this.cache.get(c.key) ?? c;
    });
    const refs = found as ChunkRef[];

    const edges = await this.edgeChunks(input);
    const all = [...edges.head, ...refs, ...edges.tail];
    if (all.length === 0) all.push(await this.buildChunk(input, [], 'empty', ''));
    return this.combine(all, input.xz, input.signal);
  }

  private async edgeChunks(input: AssembleInput): Promise<{ head: ChunkRef[]; tail: ChunkRef[] }> {
    const tailText = input.tail ?? input.plan?.tail;
    const head = input.head ? [await this.buildChunk(input, [], `head:${sha256Hex(input.head)}`, input.head)] : [];
    const tail = tailText ? [await this.buildChunk(input, [], `tail:${sha256Hex(tailText)}`, tailText)] : [];
    return { head, tail };
  }

  private async buildChunk(input: AssembleInput, group: IndexItem[], key: string, literal?: string, index?: number): Promise<ChunkRef> {
    let text = literal ?? '';
    if (literal === undefined) {
      const fragments = await input.render(group.map((i) => i.id));
      const sep = input.separator ?? '';
      text = group.map((i) => `${fragments.get(i.id) ?? ''}${sep}`).join('');
      if (input.plan && index !== undefined) text = input.plan.transform(index, text);
    }
    const raw = Buffer.from(text, 'utf8');
    const [gz, xzStream] = await Promise.all([gzipChunk(raw), input.xz ? xzChunk(raw) : Promise.resolve(null)]);
    const split = xzStream ? splitXzStream(xzStream) : null;
    const xz = split ? split.blocks : null;
    // Raw chunks need no fsync: every chunk can be rebuilt from the database, and a publication is
    // only recorded after its parts exist.
    const [r, g, x] = await Promise.all([
      this.blobs.putBuffer(raw, { durable: false }),
      this.blobs.putBuffer(gz, { durable: false }),
      xz ? this.blobs.putBuffer(xz, { durable: false }) : Promise.resolve(null),
    ]);
    const chunk = { key, raw: r, gz: g, xz: x && split ? { ...x, records: split.records } : null, bytes: { raw, gz, xz } };
    this.cache.set(chunk);
    return chunk;
  }

  /**
   * Hashes and sizes the concatenated file. SHA-256 is not composable, so the hash state after each chunk
   * is kept, keyed by the chain of chunk keys up to it: a publication that only changes the tail (new
   * packages land at the end) resumes from the state before the first changed chunk.
   */
  private async combine(refs: ChunkRef[], withXz: boolean, signal?: AbortSignal): Promise<AssembledIndex> {
    const chain: string[] = [];
    let prev = withXz ? 'xz' : 'plain';
    for (const ref of refs) {
      prev = sha256Hex(`${prev}\n${ref.key}`);
      chain.push(prev);
    }
    let start = refs.length;
    let resume: HashState | undefined;
    for (; start > 0; start--) {
      resume = this.hashStates.get(chain[start - 1]);
      if (resume) break;
    }
    const header = xzStreamHeader(XZ_FLAGS);
    const raw = resume ? resume.raw.copy() : createHash('sha256');
    const gz = resume ? resume.gz.copy() : createHash('sha256');
    const xz = resume ? resume.xz.copy() : createHash('sha256').update(header);
    const sizes = resume ? { ...resume.sizes } : { raw: 0, gz: 0, xz: 0 };
    // Chunks not in memory are read ahead while earlier ones are hashed (an rpm index whose head changed
    // is rehashed whole: its package count comes first). A store that can read a small blob synchronously
    // into a reused buffer does so: a 50k-package rpm index is thousands of chunk blobs.
    const ahead = new Map<number, Promise<ChunkBytes>>();
    const scratch = { raw: Buffer.allocUnsafe(0), gz: Buffer.allocUnsafe(0), xz: Buffer.allocUnsafe(0) };
    const fetch = (i: number) => {
      if (i >= refs.length || ahead.has(i) || refs[i].bytes || this.canReadSync(refs[i])) return;
      const p = this.load(refs[i]);
      p.catch(() => undefined); // awaited below in order; a failure surfaces there
      ahead.set(i, p);
    };
    for (let i = start; i < refs.length; i++) {
      if (signal && i % STATE_EVERY === 0) {
        await new Promise((resolve) => setImmediate(resolve));
        signal.throwIfAborted();
      }
      const ref = refs[i];
      for (let j = i; j < i + READ_AHEAD; j++) fetch(j);
      const bytes = ref.bytes ?? (this.canReadSync(ref) ? this.readSync(ref, scratch) : await ahead.get(i)!);
      ahead.delete(i);
      raw.update(bytes.raw);
      gz.update(bytes.gz);
      sizes.raw += bytes.raw.length;
      sizes.gz += bytes.gz.length;
      if (withXz && bytes.xz && bytes.xz.length > 0) {
        xz.update(bytes.xz);
        sizes.xz += bytes.xz.length;
      }
      // Every few chunks and at the end: a later publication resumes from the nearest one before its first
      // change and rereads at most STATE_EVERY chunks; a state per chunk costs three hash copies each.
      if (i % STATE_EVERY === STATE_EVERY - 1 || i >= refs.length - 2) {
        this.hashStates.set(chain[i], { raw: raw.copy(), gz: gz.copy(), xz: xz.copy(), sizes: { ...sizes } });
      }
    }
    const result: AssembledIndex = {
      raw: { path: '', sha256: raw.digest('hex'), size: sizes.raw, parts: refs.map((r) => r.raw) },
      gz: { path: '', sha256: gz.digest('hex'), size: sizes.gz, parts: refs.map((r) => r.gz) },
    };
    if (withXz) {
      // One .xz stream: our header, every chunk's blocks, then an index over all of them.
      const blocks = refs.filter((r) => r.xz && r.xz.size > 0).map((r) => r.xz!);
      const trailer = xzStreamTrailer(XZ_FLAGS, blocks.flatMap((b) => b.records));
      const [h, t] = await Promise.all([this.blobs.putBuffer(header, { durable: false }), this.blobs.putBuffer(trailer, { durable: false })]);
      result.xz = {
        path: '',
        sha256: xz.update(trailer).digest('hex'),
        size: header.length + sizes.xz + trailer.length,
        parts: [h, ...blocks.map((b) => ({ sha256: b.sha256, size: b.size })), t],
      };
    }
    return result;
  }

  private canReadSync(ref: ChunkRef): boolean {
    return this.blobs.readSmallSync !== undefined && ref.raw.size <= SYNC_CHUNK_BYTES && ref.gz.size <= SYNC_CHUNK_BYTES && (ref.xz?.size ?? 0) <= SYNC_CHUNK_BYTES;
  }

  /** A chunk's bytes read into reused buffers: valid until the next call with the same scratch. */
  private readSync(ref: ChunkRef, scratch: { raw: Buffer; gz: Buffer; xz: Buffer }): ChunkBytes {
    const read = (part: Part, key: 'raw' | 'gz' | 'xz') => {
      if (scratch[key].length < part.size) scratch[key] = Buffer.allocUnsafe(Math.max(part.size, 64 * 1024));
      return this.blobs.readSmallSync!(part.sha256, part.size, scratch[key]);
    };
    return { raw: read(ref.raw, 'raw'), gz: read(ref.gz, 'gz'), xz: ref.xz ? read(ref.xz, 'xz') : null };
  }

  /**
   * A chunk's bytes, read for hashing only: not kept in the cache, since a pass that reads chunks from the
   * store reads most of a file and would only push out the recently built chunks the next publication needs.
   */
  private async load(ref: ChunkRef): Promise<ChunkBytes> {
    const [raw, gz, xz] = await Promise.all([
      this.blobs.readBuffer(ref.raw.sha256),
      this.blobs.readBuffer(ref.gz.sha256),
      ref.xz ? this.blobs.readBuffer(ref.xz.sha256) : Promise.resolve(null),
    ]);
    return { raw, gz, xz };
  }
}
