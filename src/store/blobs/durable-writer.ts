import { Worker } from 'node:worker_threads';

/** One file to make durable under `dest`: bytes still in memory, or a staged temp file already written. */
export type DurableItem = { bytes: Uint8Array; dest: string } | { tmp: string; dest: string };

type Fs = typeof import('node:fs');
type Path = typeof import('node:path');
type Port = import('node:worker_threads').MessagePort;
type Job = { id: number; tmpDir: string; items: DurableItem[] };

/**
 * The worker's whole program, run with the node modules it needs (an eval'd worker has no module URL of its
 * own, so the same code runs from the compiled build and from the test runner's sources). Blocking calls in
 * an order that suits journaling filesystems: every file written first, then synced (the first sync commits
 * the journal for all of them, the rest find little left to flush), then renamed into place, then every
 * parent directory synced once, so the names are durable when the caller hears back.
 */
function workerMain(fs: Fs, path: Path, port: Port, uuid: () => string, collect: () => void): void {
  const dirs = new Set<string>();
  const ensureDir = (dir: string): void => {
    if (dirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    dirs.add(dir);
  };
  const syncPath = (p: string, flags: string): void => {
    const fd = fs.openSync(p, flags);
    try {
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  // Content addressed: a file already at its address holds these bytes (it was renamed there only once
  // synced). Its time is renewed instead, so garbage collection's grace period spares it again.
  const stored = (dest: string, now: Date): boolean => {
    try {
      fs.utimesSync(dest, now, now);
      return true;
    } catch {
      return false;
    }
  };
  port.on('message', (job: Job) => {
    const written: string[] = [];
    try {
      const moves: Array<{ from: string; to: string }> = [];
      const now = new Date();
      for (const item of job.items) {
        if (stored(item.dest, now)) continue;
        if ('tmp' in item) {
          moves.push({ from: item.tmp, to: item.dest });
          continue;
        }
        const tmp = path.join(job.tmpDir, uuid());
        written.push(tmp);
        const fd = fs.openSync(tmp, 'w');
        try {
          let done = 0;
          while (done < item.bytes.length) done += fs.writeSync(fd, item.bytes, done, item.bytes.length - done);
        } finally {
          fs.closeSync(fd);
        }
        moves.push({ from: tmp, to: item.dest });
      }
      for (const m of moves) syncPath(m.from, 'r+');
      const parents = new Set<string>();
      for (const m of moves) {
        const dir = path.dirname(m.to);
        ensureDir(dir);
        fs.renameSync(m.from, m.to);
        parents.add(dir);
      }
      for (const dir of parents) syncPath(dir, 'r');
      port.postMessage({ id: job.id });
      collect();
    } catch (err) {
      for (const tmp of written) fs.rmSync(tmp, { force: true });
      const e = err as NodeJS.ErrnoException;
      port.postMessage({ id: job.id, error: { message: e.message, code: e.code } });
    }
  });
}

// The bytes of each batch arrive as copies owned by this thread; it allocates too little else for its
// collector to run often, so it frees them itself after every batch (a young-generation collection).
const SOURCE = `const { parentPort } = require('node:worker_threads');
const { randomUUID } = require('node:crypto');
require('node:v8').setFlagsFromString('--expose-gc');
const collectGarbage = require('node:vm').runInNewContext('gc');
(${workerMain.toString()})(require('node:fs'), require('node:path'), parentPort, randomUUID, () => collectGarbage({ type: 'minor' }));`;

/**
 * Makes batches of blob files durable on a worker thread: one message per batch instead of a dozen thread
 * pool round trips per file on the event loop (the group commit of 100 uploads wrote 900 of them).
 * Jobs run in order, one at a time. The worker does not keep the process alive.
 */
export class DurableWriter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: () => void; reject: (err: Error) => void }>();

  constructor(private readonly tmpDir: string) {}

  write(items: DurableItem[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    const worker = this.worker ?? this.start();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, tmpDir: this.tmpDir, items } satisfies Job);
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private start(): Worker {
    // A small heap: the worker holds one batch of bytes at a time and allocates little else.
    const worker = new Worker(SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
    worker.unref();
    worker.on('message', (m: { id: number; error?: { message: string; code?: string } }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (!m.error) return p.resolve();
      p.reject(Object.assign(new Error(m.error.message), m.error.code ? { code: m.error.code } : {}));
    });
    // A worker that died fails what it held; the next write starts a new one.
    const fail = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`blob writer stopped (exit ${code})`)));
    this.worker = worker;
    return worker;
  }
}
