import { createReadStream } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import yauzl from 'yauzl';
import { AppError } from '../core/errors.js';
import type { ParsedRecord } from '../formats/advisories/advisory.types.js';
import { parseDebianTracker } from '../formats/advisories/debian-tracker.js';
import { jsonValues } from '../formats/advisories/json-stream.js';
import { parseOsvRecord } from '../formats/advisories/osv.js';
import type { BlobStore } from '../store/blobs/blob-store.js';

export type FeedFormat = 'osv' | 'debian-tracker';

/** Largest single OSV record or zip entry read whole; real records are a few kB. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** Random access to a stored blob for yauzl, so an all.zip is read entry by entry without a local copy. */
class BlobReader extends yauzl.RandomAccessReader {
  constructor(
    private readonly blobs: BlobStore,
    private readonly sha256: string,
  ) {
    super();
  }

  override _readStreamForRange(start: number, end: number): Readable {
    if (end <= start) return Readable.from([]);
    return this.blobs.read(this.sha256, { start, end: end - 1 });
  }
}

async function readEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Buffer> {
  if (entry.uncompressedSize > MAX_RECORD_BYTES) throw new AppError('FORMAT_LIMIT_EXCEEDED', `zip entry ${entry.fileName} is larger than ${MAX_RECORD_BYTES} bytes`);
  const stream = await new Promise<Readable>((resolve, reject) => zip.openReadStream(entry, (err, s) => (err ? reject(err) : resolve(s))));
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += (c as Buffer).length;
    if (size > MAX_RECORD_BYTES) throw new AppError('FORMAT_LIMIT_EXCEEDED', `zip entry ${entry.fileName} inflates beyond its declared size`);
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The OSV records of an ecosystem all.zip (one JSON record per entry), streamed entry by entry. */
async function* zipRecords(blobs: BlobStore, sha256: string, size: number): AsyncGenerator<unknown> {
  const zip = await yauzl.fromRandomAccessReaderPromise(new BlobReader(blobs, sha256), size, { lazyEntries: true, autoClose: false });
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | null>((resolve, reject) => {
        zip.once('entry', resolve);
        zip.once('end', () => resolve(null));
        zip.once('error', reject);
        zip.readEntry();
      });
      zip.removeAllListeners('entry').removeAllListeners('end').removeAllListeners('error');
      if (!entry) return;
      if (!entry.fileName.endsWith('.json')) continue;
      try {
        yield JSON.parse((await readEntry(zip, entry)).toString('utf8'));
      } catch (err) {
        if (err instanceof AppError) throw err;
        throw new AppError('FEED_INVALID', `zip entry ${entry.fileName}: ${(err as Error).message}`);
      }
    }
  } finally {
    zip.close();
  }
}

async function* osvValues(values: AsyncIterable<unknown>): AsyncGenerator<ParsedRecord> {
  for await (const v of values) yield parseOsvRecord(v);
}

async function isZip(blobs: BlobStore, sha256: string, size: number): Promise<boolean> {
  if (size < 4) return false;
  const head: Buffer[] = [];
  for await (const c of blobs.read(sha256, { start: 0, end: 3 })) head.push(c as Buffer);
  return Buffer.concat(head).subarray(0, 4).equals(Buffer.from('PK\x03\x04', 'latin1'));
}

/** Records of a feed file held in the blob store: OSV (record, array or all.zip) or the Debian tracker JSON. */
export async function* blobRecords(blobs: BlobStore, sha256: string, size: number, format: FeedFormat): AsyncGenerator<ParsedRecord> {
  if (format === 'debian-tracker') {
    yield* parseDebianTracker(blobs.read(sha256));
    return;
  }
  if (await isZip(blobs, sha256, size)) yield* osvValues(zipRecords(blobs, sha256, size));
  else yield* osvValues(jsonValues(blobs.read(sha256), MAX_RECORD_BYTES));
}

/** The OSV records of a directory of *.json files (an unpacked all.zip or a git checkout), recursively. */
export async function* directoryRecords(dir: string): AsyncGenerator<ParsedRecord> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* directoryRecords(p);
    else if (e.isFile() && e.name.endsWith('.json')) yield* osvValues(jsonValues(createReadStream(p), MAX_RECORD_BYTES));
  }
}
