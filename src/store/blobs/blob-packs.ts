import { closeSync, createReadStream, openSync, readSync, rmSync, utimesSync } from 'node:fs';
import { appendFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';

/** Where a packed blob lives. */
interface Location {
  pack: number;
  offset: number;
  size: number;
}

interface Pack {
  file: string;
  /** Blobs of this pack still live (not deleted, not shadowed by a later pack holding the same bytes). */
  live: number;
  liveBytes: number;
  totalBytes: number;
}

const MAGIC = Buffer.from('PYPACK1\n', 'latin1');
const ENTRY = 48;
const PACK_NAME = /^([0-9]+)\.pack$/;
const TOMBSTONES = 'deleted';
/** Compaction writes new packs of about this size, so it never holds more than that in memory. */
const COMPACT_PACK_BYTES = 64 * 1024 * 1024;

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Packs: the small blobs of one group commit in one write-once file, so a commit of a hundred uploads creates
 * one file instead of a hundred. Creating a file (allocating an inode) costs hundreds of microseconds of kernel
 * time on common ext4 setups, more than everything else an upload of a small package costs the server.
 *
 * A pack, `<dir>/<n>.pack`: the blobs' bytes back to back, then one entry per blob (SHA-256 32 bytes, offset
 * and size as unsigned 64-bit big-endian), then the entry count (u32 BE) and the magic `PYPACK1\n`. It is
 * written to a temp file, synced, renamed into place and its directory synced, so it is complete before any
 * row can point into it, and it is never modified afterwards. Every pack's entries are read into memory at
 * start (one process per data directory, as with the SQLite file).
 *
 * Deleting a blob appends `<pack> <sha256>` to `<dir>/deleted`; a pack left without live blobs is removed,
 * and compact() rewrites packs whose bytes are mostly dead.
 */
export class BlobPacks {
  private readonly index = new Map<string, Location>();
  private readonly packs = new Map<number, Pack>();
  private nextId = 1;

  private constructor(
    private readonly dir: string,
    private readonly tmpDir: string,
  ) {}

  static async open(dir: string, tmpDir: string): Promise<BlobPacks> {
    await mkdir(dir, { recursive: true });
    const packs = new BlobPacks(dir, tmpDir);
    await packs.load();
    return packs;
  }

  private packFile(id: number): string {
    return path.join(this.dir, `${id}.pack`);
  }

  private async load(): Promise<void> {
    const ids = (await readdir(this.dir))
      .map((name) => PACK_NAME.exec(name)?.[1])
      .filter((id): id is string => id !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const id of ids) {
      const file = this.packFile(id);
      this.packs.set(id, { file, live: 0, liveBytes: 0, totalBytes: 0 });
      for (const entry of await readEntries(file)) this.add(entry.sha256, { pack: id, offset: entry.offset, size: entry.size });
      this.nextId = id + 1;
    }
    // Numbers start from the clock (microsecond-sized steps) so that a removed newest pack's number is not
    // handed out again after a restart; later packs must sort after earlier ones, which shadow-resolution needs.
    this.nextId = Math.max(this.nextId, Date.now() * 1000);
    const tombstones = await readFile(path.join(this.dir, TOMBSTONES), 'latin1').catch(() => '');
    for (const line of tombstones.split('\n')) {
      const [pack, sha256] = line.split(' ');
      if (this.index.get(sha256)?.pack === Number(pack)) this.forget(sha256);
    }
    for (const [id, pack] of this.packs) if (pack.live === 0) await this.removePack(id);
    // Keep only the tombstones that still apply to a pack on disk.
    const lines = tombstones.split('\n').filter((line) => line.length > 0);
    const kept = lines.filter((line) => this.packs.has(Number(line.split(' ')[0])));
    if (kept.length !== lines.length) {
      const tmp = path.join(this.tmpDir, `${TOMBSTONES}.${process.pid}`);
      await writeFile(tmp, kept.map((l) => `${l}\n`).join(''));
      await rename(tmp, path.join(this.dir, TOMBSTONES));
    }
  }

  private add(sha256: string, location: Location): void {
    const previous = this.index.get(sha256);
    if (previous) this.release(previous);
    this.index.set(sha256, location);
    const pack = this.packs.get(location.pack)!;
    pack.live++;
    pack.liveBytes += location.size;
    pack.totalBytes += location.size;
  }

  private release(location: Location): void {
    const pack = this.packs.get(location.pack);
    if (!pack) return;
    pack.live--;
    pack.liveBytes -= location.size;
  }

  private forget(sha256: string): Location | undefined {
    const location = this.index.get(sha256);
    if (!location) return undefined;
    this.index.delete(sha256);
    this.release(location);
    return location;
  }

  /** Removes a pack none of whose blobs is live (no index entry points into it). */
  private async removePack(id: number): Promise<void> {
    const pack = this.packs.get(id);
    if (!pack) return;
    this.packs.delete(id);
    await rm(pack.file, { force: true });
  }

  has(sha256: string): boolean {
    return this.index.has(sha256);
  }

  /** Writes these blobs as one new pack, durably; resolves once they are readable here. */
  async write(blobs: Array<{ sha256: string; bytes: Uint8Array }>): Promise<void> {
    if (blobs.length === 0) return;
    const id = this.nextId++;
    const entries = Buffer.alloc(blobs.length * ENTRY + 4);
    let offset = 0;
    blobs.forEach((b, i) => {
      Buffer.from(b.sha256, 'hex').copy(entries, i * ENTRY);
      entries.writeBigUInt64BE(BigInt(offset), i * ENTRY + 32);
      entries.writeBigUInt64BE(BigInt(b.bytes.length), i * ENTRY + 40);
      offset += b.bytes.length;
    });
    entries.writeUInt32BE(blobs.length, blobs.length * ENTRY);
    // Through the thread pool: one pack per group commit, and creating a file is the costly call (it would
    // block the event loop for up to a millisecond).
    const tmp = path.join(this.tmpDir, `pack-${process.pid}-${id}`);
    const fh = await open(tmp, 'w');
    try {
      const parts = [...blobs.map((b) => b.bytes), entries, MAGIC];
      const { bytesWritten } = await fh.writev(parts);
      const total = parts.reduce((n, p) => n + p.length, 0);
      if (bytesWritten !== total) throw new Error(`blob pack ${tmp}: wrote ${bytesWritten} of ${total} bytes`);
      await fh.datasync();
    } catch (err) {
      await fh.close();
      await rm(tmp, { force: true });
      throw err;
    }
    await fh.close();
    const file = this.packFile(id);
    await rename(tmp, file);
    await syncDir(this.dir);
    this.packs.set(id, { file, live: 0, liveBytes: 0, totalBytes: 0 });
    offset = 0;
    for (const b of blobs) {
      this.add(b.sha256, { pack: id, offset, size: b.bytes.length });
      offset += b.bytes.length;
    }
  }

  /** Renews a packed blob's time (its pack's) so garbage collection's grace period spares it again. */
  touch(sha256: string, now: Date): boolean {
    const location = this.index.get(sha256);
    if (!location) return false;
    utimesSync(this.packs.get(location.pack)!.file, now, now);
    return true;
  }

  read(sha256: string, range?: { start: number; end: number }): Readable | undefined {
    const location = this.index.get(sha256);
    if (!location) return undefined;
    const start = location.offset + (range?.start ?? 0);
    const end = location.offset + (range ? Math.min(range.end, location.size - 1) : location.size - 1);
    if (end < start) return Readable.from([]);
    return createReadStream(this.packs.get(location.pack)!.file, { start, end });
  }

  async readBuffer(sha256: string): Promise<Buffer | undefined> {
    const location = this.index.get(sha256);
    if (!location) return undefined;
    const fh = await open(this.packs.get(location.pack)!.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(location.size);
      const { bytesRead } = await fh.read(buf, 0, location.size, location.offset);
      if (bytesRead !== location.size) throw new Error(`pack ${location.pack} ends inside blob ${sha256}`);
      return buf;
    } finally {
      await fh.close();
    }
  }

  readSmallSync(sha256: string, size: number, into: Buffer): Buffer | undefined {
    const location = this.index.get(sha256);
    if (!location) return undefined;
    return readIntoSync(this.packs.get(location.pack)!.file, location.offset, size, into, sha256);
  }

  /** Forgets a packed blob (false when it is not packed); its pack goes once nothing in it is live. */
  async delete(sha256: string): Promise<boolean> {
    const location = this.forget(sha256);
    if (!location) return false;
    await appendFile(path.join(this.dir, TOMBSTONES), `${location.pack} ${sha256}\n`);
    if (this.packs.get(location.pack)?.live === 0) await this.removePack(location.pack);
    return true;
  }

  async *list(): AsyncIterable<{ sha256: string; size: number; modifiedAt: Date }> {
    const times = new Map<number, Date>();
    for (const [sha256, location] of [...this.index]) {
      let modifiedAt = times.get(location.pack);
      if (!modifiedAt) {
        const st = await stat(this.packs.get(location.pack)?.file ?? '').catch(() => null);
        if (!st) continue;
        modifiedAt = st.mtime;
        times.set(location.pack, modifiedAt);
      }
      yield { sha256, size: location.size, modifiedAt };
    }
  }

  /**
   * Rewrites every pack whose live bytes are less than half of it into one new pack, then removes the old
   * ones (after `graceMs`, so a read that located a blob just before stays valid). Returns the packs removed.
   */
  async compact(graceMs = 30_000): Promise<number> {
    const sparse = [...this.packs].filter(([, p]) => p.live > 0 && p.liveBytes * 2 < p.totalBytes).map(([id]) => id);
    if (sparse.length === 0) return 0;
    const moving = [...this.index].filter(([, l]) => sparse.includes(l.pack));
    let blobs: Array<{ sha256: string; bytes: Uint8Array }> = [];
    let bytes = 0;
    for (const [sha256] of moving) {
      const buf = await this.readBuffer(sha256);
      if (!buf) continue;
      blobs.push({ sha256, bytes: buf });
      bytes += buf.length;
      if (bytes < COMPACT_PACK_BYTES) continue;
      await this.write(blobs);
      [blobs, bytes] = [[], 0];
    }
    await this.write(blobs);
    const doomed = sparse.map((id) => this.packs.get(id)!.file);
    for (const id of sparse) this.packs.delete(id);
    setTimeout(() => {
      for (const file of doomed) rmSync(file, { force: true });
    }, graceMs).unref();
    return sparse.length;
  }
}

/** Reads `size` bytes at `position` of `file` into `into` in blocking calls; the filled view. */
export function readIntoSync(file: string, position: number, size: number, into: Buffer, what: string): Buffer {
  const fd = openSync(file, 'r');
  try {
    let done = 0;
    while (done < size) {
      const n = readSync(fd, into, done, size - done, position + done);
      if (n === 0) throw new Error(`blob ${what} is shorter than ${size} bytes`);
      done += n;
    }
    return into.subarray(0, size);
  } finally {
    closeSync(fd);
  }
}

async function readEntries(file: string): Promise<Array<{ sha256: string; offset: number; size: number }>> {
  const fh = await open(file, 'r');
  try {
    const { size } = await fh.stat();
    const tail = Buffer.alloc(12);
    if (size < 12 || (await fh.read(tail, 0, 12, size - 12)).bytesRead !== 12 || !tail.subarray(4).equals(MAGIC)) {
      throw new Error(`blob pack ${file} has no valid trailer`);
    }
    const count = tail.readUInt32BE(0);
    const start = size - 12 - count * ENTRY;
    if (start < 0) throw new Error(`blob pack ${file} declares more entries than it holds`);
    const raw = Buffer.alloc(count * ENTRY);
    await fh.read(raw, 0, raw.length, start);
    const entries = [];
    for (let i = 0; i < count; i++) {
      const at = i * ENTRY;
      const offset = Number(raw.readBigUInt64BE(at + 32));
      const length = Number(raw.readBigUInt64BE(at + 40));
      if (offset + length > start) throw new Error(`blob pack ${file}: entry ${i} lies outside its data`);
      entries.push({ sha256: raw.subarray(at, at + 32).toString('hex'), offset, size: length });
    }
    return entries;
  } finally {
    await fh.close();
  }
}
