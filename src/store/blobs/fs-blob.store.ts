import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, statSync, utimesSync } from 'node:fs';
import { access, type FileHandle, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { AppError } from '../../core/errors.js';
import type { BlobFacts, ByteSource } from '../../formats/types.js';
import type { BlobStore, StagedBlob } from './blob-store.js';
import { BlobPacks, readIntoSync } from './blob-packs.js';
import { DurableWriter } from './durable-writer.js';

const HEX64 = /^[0-9a-f]{64}$/;
/** Uploads up to this size stay in memory while staged; larger ones spill to a temp file. */
const MEMORY_STAGE_BYTES = 1024 * 1024;

/** A staged upload: its bytes in memory, or in a temp file once it outgrew the memory limit. */
interface FsStaged extends StagedBlob {
  readonly bytes: Buffer | null;
  readonly tmp: string | null;
}

async function datasyncFile(file: string, flags: string, data?: Buffer): Promise<void> {
  const fh = await open(file, flags);
  try {
    if (data) await fh.writeFile(data);
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

/**
 * Filesystem blobs: uploads staged in memory are committed into packs under <root>/packs (one file per group
 * commit, see BlobPacks); larger uploads and index chunks are files under <root>/sha256/ab/cd/<hex>. Staging
 * under <root>/tmp on the same filesystem. Every read looks in the packs first, then for a file.
 */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;
  /**
   * Fan-out directories known to exist: found when the store opened, or made since by this process. A commit
   * neither stats nor creates them again, and a blob whose directory is not among them has no file (see
   * touchFileSync), so a new upload costs no failed lookup on disk.
   */
  private readonly dirs = new Set<string>();

  private readonly writer: DurableWriter;
  private packs!: BlobPacks;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
    this.writer = new DurableWriter(this.tmpDir);
  }

  async init(): Promise<void> {
    await mkdir(path.join(this.root, 'sha256'), { recursive: true });
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
    this.packs = await BlobPacks.open(path.join(this.root, 'packs'), this.tmpDir);
    const top = path.join(this.root, 'sha256');
    for (const a of await readdir(top)) {
      for (const b of await readdir(path.join(top, a)).catch(() => [])) this.dirs.add(path.join(top, a, b));
    }
  }

  pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new AppError('VALIDATION_FAILED', 'not a sha256 address');
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async stage(input: Readable, opts: { maxBytes: number }): Promise<StagedBlob> {
    const hashes = { sha256: createHash('sha256'), sha1: createHash('sha1'), md5: createHash('md5') };
    let size = 0;
    let chunks: Buffer[] = [];
    let tmp: string | null = null;
    let fh: FileHandle | null = null;
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > opts.maxBytes) throw new AppError('UPLOAD_TOO_LARGE', `upload exceeds ${opts.maxBytes} bytes`);
        hashes.sha256.update(chunk);
        hashes.sha1.update(chunk);
        hashes.md5.update(chunk);
        if (fh) {
          await fh.write(chunk);
        } else {
          chunks.push(chunk);
          if (size > MEMORY_STAGE_BYTES) {
            tmp = path.join(this.tmpDir, randomUUID());
            fh = await open(tmp, 'w');
            await fh.writeFile(Buffer.concat(chunks));
            chunks = [];
          }
        }
      }
    } catch (err) {
      input.resume();
      await fh?.close();
      if (tmp) await rm(tmp, { force: true });
      throw err;
    }
    await fh?.close();
    const bytes = tmp ? null : Buffer.concat(chunks, size);
    const facts: BlobFacts = {
      size,
      sha256: hashes.sha256.digest('hex'),
      sha1: hashes.sha1.digest('hex'),
      md5: hashes.md5.digest('hex'),
    };
    const staged: FsStaged = {
      facts,
      bytes,
      memoryBytes: bytes?.length ?? 0,
      tmp,
      source: () => (bytes ? Promise.resolve(memorySource(bytes)) : fileSource(tmp!, size)),
      commit: () => this.commitAll([staged]),
      discard: () => (tmp ? rm(tmp, { force: true }) : Promise.resolve()),
    };
    return staged;
  }

  /**
   * Every file is written and synced, then renamed into place, then each parent directory is synced once,
   * so the renames are durable before the caller writes rows that reference them. See DurableWriter.
   */
  async commitAll(staged: StagedBlob[]): Promise<void> {
    const todo = new Map<string, FsStaged>();
    const now = new Date();
    for (const s of staged as FsStaged[]) if (!this.packs.touch(s.facts.sha256, now)) todo.set(s.facts.sha256, s);
    const files = [...todo.values()].filter((s) => !s.bytes).map((s) => ({ tmp: s.tmp!, dest: this.pathOf(s.facts.sha256) }));
    const small = [...todo.values()].filter((s) => s.bytes).map((s) => ({ sha256: s.facts.sha256, bytes: s.bytes! }));
    await Promise.all([this.writer.write(files), this.putMany(small)]);
    for (const f of files) this.dirs.add(path.dirname(f.dest));
  }

  /**
   * A blob stored as a file (larger uploads, blobs written before packs existed) keeps its file; its time is
   * renewed. A stat that reports absence costs far less than a failing utimes (an exception per new upload).
   */
  private touchFileSync(sha256: string, now: Date): boolean {
    const file = this.pathOf(sha256);
    if (!this.dirs.has(path.dirname(file)) || !statSync(file, { throwIfNoEntry: false })) return false;
    try {
      utimesSync(file, now, now);
      return true;
    } catch {
      return false;
    }
  }

  async putBuffer(data: Uint8Array, opts: { durable?: boolean } = {}): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (this.packs.touch(sha256, new Date()) || (await this.touch(sha256))) return { sha256, size: data.length };
    const tmp = path.join(this.tmpDir, randomUUID());
    const dest = this.pathOf(sha256);
    if (opts.durable ?? true) await datasyncFile(tmp, 'w', Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    else await writeFile(tmp, data);
    await this.ensureDir(path.dirname(dest));
    await rename(tmp, dest);
    return { sha256, size: data.length };
  }

  async putMany(blobs: Array<{ sha256: string; bytes: Uint8Array }>): Promise<void> {
    const now = new Date();
    const todo = new Map<string, Uint8Array>();
    for (const b of blobs) if (!todo.has(b.sha256) && !this.packs.touch(b.sha256, now) && !this.touchFileSync(b.sha256, now)) todo.set(b.sha256, b.bytes);
    await this.packs.write([...todo].map(([sha256, bytes]) => ({ sha256, bytes })));
  }

  private async ensureDir(dir: string): Promise<void> {
    if (this.dirs.has(dir)) return;
    await mkdir(dir, { recursive: true });
    this.dirs.add(dir);
  }

  /**
   * Marks an existing blob as just written: garbage collection spares blobs younger than its grace period,
   * and a re-used blob is about to be referenced by a new row.
   */
  private async touch(sha256: string): Promise<boolean> {
    return this.touchFileSync(sha256, new Date());
  }

  async has(sha256: string): Promise<boolean> {
    if (this.packs.has(sha256)) return true;
    try {
      await access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    const packed = this.packs.read(sha256, range);
    if (packed) return packed;
    return createReadStream(this.pathOf(sha256), range ? { start: range.start, end: range.end } : {});
  }

  async readBuffer(sha256: string): Promise<Buffer> {
    return (await this.packs.readBuffer(sha256)) ?? readFile(this.pathOf(sha256));
  }

  /**
   * One blocking call instead of four thread-pool round trips: they cost the event loop more than reading a
   * few KB written recently and still in the page cache, and rehashing a 50k-package rpm index reads thousands.
   */
  readSmallSync(sha256: string, size: number, into: Buffer): Buffer {
    const packed = this.packs.readSmallSync(sha256, size, into);
    if (packed) return packed;
    return readIntoSync(this.pathOf(sha256), 0, size, into, sha256);
  }

  async delete(sha256: string): Promise<void> {
    if (await this.packs.delete(sha256)) return;
    await rm(this.pathOf(sha256), { force: true });
  }

  async compact(): Promise<void> {
    await this.packs.compact();
  }

  async *list(): AsyncIterable<{ sha256: string; size: number; modifiedAt: Date }> {
    yield* this.packs.list();
    const base = path.join(this.root, 'sha256');
    for (const a of await readdir(base)) {
      for (const b of await readdir(path.join(base, a)).catch(() => [] as string[])) {
        for (const name of await readdir(path.join(base, a, b)).catch(() => [] as string[])) {
          if (!HEX64.test(name)) continue;
          const st = await stat(path.join(base, a, b, name)).catch(() => null);
          if (st) yield { sha256: name, size: st.size, modifiedAt: st.mtime };
        }
      }
    }
  }

  async check(): Promise<void> {
    await stat(path.join(this.root, 'sha256'));
    await access(this.tmpDir);
  }
}

function memorySource(bytes: Buffer): ByteSource & { close(): Promise<void> } {
  return {
    size: bytes.length,
    read: async (offset: number, length: number) => bytes.subarray(Math.max(0, offset), Math.max(0, Math.min(bytes.length, offset + length))),
    close: async () => undefined,
  };
}

async function fileSource(file: string, size: number): Promise<ByteSource & { close(): Promise<void> }> {
  const fh = await open(file, 'r');
  return {
    size,
    read: async (offset: number, length: number) => {
      const n = Math.max(0, Math.min(length, size - offset));
      const buf = Buffer.allocUnsafe(n);
      const { bytesRead } = await fh.read(buf, 0, n, offset);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}
