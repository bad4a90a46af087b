import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../core/errors.js';
import type { BlobFacts } from '../../formats/types.js';
import type { BlobStore, StagedBlob } from './blob-store.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** Filesystem blobs under <root>/sha256/ab/cd/<hex>; staging under <root>/tmp on the same filesystem. */
export class FsBlobStore implements BlobStore {
  private readonly tmpDir: string;

  constructor(private readonly root: string) {
    this.tmpDir = path.join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(path.join(this.root, 'sha256'), { recursive: true });
    await rm(this.tmpDir, { recursive: true, force: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  pathOf(sha256: string): string {
    if (!HEX64.test(sha256)) throw new AppError('VALIDATION_FAILED', 'not a sha256 address');
    return path.join(this.root, 'sha256', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  async stage(input: Readable, opts: { maxBytes: number }): Promise<StagedBlob> {
    const tmp = path.join(this.tmpDir, randomUUID());
    const hashes = { sha256: createHash('sha256'), sha1: createHash('sha1'), md5: createHash('md5') };
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        size += chunk.length;
        if (size > opts.maxBytes) {
          cb(new AppError('UPLOAD_TOO_LARGE', `upload exceeds ${opts.maxBytes} bytes`));
          return;
        }
        hashes.sha256.update(chunk);
        hashes.sha1.update(chunk);
        hashes.md5.update(chunk);
        cb(null, chunk);
      },
    });
    try {
      await pipeline(input, meter, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const facts: BlobFacts = {
      size,
      sha256: hashes.sha256.digest('hex'),
      sha1: hashes.sha1.digest('hex'),
      md5: hashes.md5.digest('hex'),
    };
    return {
      facts,
      source: async () => {
        const fh = await open(tmp, 'r');
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
      },
      commit: () => this.moveIn(tmp, facts.sha256, true),
      discard: () => rm(tmp, { force: true }),
    };
  }

  async putBuffer(data: Uint8Array, opts: { durable?: boolean } = {}): Promise<{ sha256: string; size: number }> {
    const sha256 = createHash('sha256').update(data).digest('hex');
    if (await this.touch(sha256)) return { sha256, size: data.length };
    const tmp = path.join(this.tmpDir, randomUUID());
    await writeFile(tmp, data);
    await this.moveIn(tmp, sha256, opts.durable ?? true);
    return { sha256, size: data.length };
  }

  private async moveIn(tmp: string, sha256: string, durable: boolean): Promise<void> {
    const dest = this.pathOf(sha256);
    if (await this.touch(sha256)) {
      await rm(tmp, { force: true });
      return;
    }
    if (durable) {
      const fh = await open(tmp, 'r+');
      try {
        await fh.sync();
      } finally {
        await fh.close();
      }
    }
    await mkdir(path.dirname(dest), { recursive: true });
    await rename(tmp, dest);
  }

  /**
   * Marks an existing blob as just written: garbage collection spares blobs younger than its grace period,
   * and a re-used blob is about to be referenced by a new row.
   */
  private async touch(sha256: string): Promise<boolean> {
    const now = new Date();
    try {
      await utimes(this.pathOf(sha256), now, now);
      return true;
    } catch {
      return false;
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      await access(this.pathOf(sha256));
      return true;
    } catch {
      return false;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(sha256), range ? { start: range.start, end: range.end } : {});
  }

  async readBuffer(sha256: string): Promise<Buffer> {
    return readFile(this.pathOf(sha256));
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  async *list(): AsyncIterable<{ sha256: string; size: number; modifiedAt: Date }> {
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
