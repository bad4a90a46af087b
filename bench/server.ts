import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';

const PASSWORD = 'Bench1234!';

/** A Packyard server as `npm start` runs it (compiled JavaScript, its own data directory, SQLite). */
export interface BenchServer {
  base: string;
  dataDir: string;
  token: string;
  child: ChildProcess;
  peakRssMb(): number;
  /** CPU seconds the server used so far: its main (event loop) thread, and every other thread together. */
  cpuSeconds(): { main: number; other: number };
  stop(): Promise<void>;
  cleanup(): void;
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 1200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not come up at ${url}`);
}

/**
 * The server command of package.json's `start` script (`VAR=value ... node <flags> <entry>`), so the bench
 * runs the server with the same memory settings users get from `npm start`.
 */
export function startCommand(): { env: Record<string, string>; args: string[]; entry: string } {
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  const node = words.indexOf('node');
  if (node < 0 || node === words.length - 1) throw new Error(`cannot read the start script: ${pkg.scripts.start}`);
  const env = Object.fromEntries(words.slice(0, node).map((w) => [w.slice(0, w.indexOf('=')), w.slice(w.indexOf('=') + 1)]));
  return { env, args: words.slice(node + 1, -1), entry: words[words.length - 1] };
}

export async function startServer(): Promise<BenchServer> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-bench-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const start = startCommand();
  const extraArgs = process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? [];
  // Rate budgets are a policy (Repod's 200 uploads a minute for an admin); the bench measures capacity.
  const child = spawn(process.execPath, [...start.args, ...extraArgs, process.env.BENCH_SERVER_ENTRY ?? start.entry], {
    env: { ...process.env, ...start.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', DATABASE_URL: '', RATE_LIMIT_ENABLED: 'false' },
    stdio: ['ignore', process.env.BENCH_LOG_LEVEL ? 'inherit' : 'ignore', 'inherit'],
  });
  await waitFor(`${base}/health/live`);
  const login = await fetch(`${base}/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: PASSWORD }),
  });
  const token = ((await login.json()) as { access_token: string }).access_token;
  return {
    base,
    dataDir,
    token,
    child,
    peakRssMb: () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    cpuSeconds: () => threadCpu(child.pid!),
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
    cleanup: () => {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** utime + stime of each thread of a process (Linux /proc; clock ticks of 1/100 s). */
function threadCpu(pid: number): { main: number; other: number } {
  let main = 0;
  let other = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ');
    const seconds = (Number(fields[11]) + Number(fields[12])) / 100;
    if (Number(tid) === pid) main += seconds;
    else other += seconds;
  }
  return { main, other };
}

export async function upload(srv: BenchServer, distribution: string, filename: string, body: Buffer): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([body]), filename);
  form.append('distribution', distribution);
  const res = await fetch(`${srv.base}/upload/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${srv.token}` } });
  if (!res.ok) throw new Error(`upload ${filename}: ${res.status} ${await res.text()}`);
}

/** Uploads every file with `concurrency` clients, like parallel CI jobs. */
export async function uploadAll(srv: BenchServer, distribution: string, files: string[], concurrency: number): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < files.length) {
        const file = files[next++];
        await upload(srv, distribution, path.basename(file), readFileSync(file));
      }
    }),
  );
}

/**
 * What sends the batches:
 * - `curl` (the default): one `curl --parallel` process sends every batch, `concurrency` at a time, from a config
 *   file of `-F file=@...` forms, as a script pushing a directory would;
 * - `curl-each`: one curl process per batch. curl's start (shared libraries, OpenSSL) costs about 20 ms of CPU
 *   each time, and spawning it from this process a few more, on the two cores the server uses;
 * - `fetch`: Node's fetch with a FormData (about 0.45 ms of CPU per file).
 */
const BATCH_CLIENT = process.env.BENCH_CLIENT ?? 'curl';

type Answer = { status: number; body: string };

async function fetchBatch(url: string, token: string, files: string[]): Promise<Answer> {
  const form = new FormData();
  for (const file of files) form.append('file', new Blob([readFileSync(file)]), path.basename(file));
  const res = await fetch(url, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`curl: ${err.message} ${stderr}`));
      else resolve(stdout);
    });
  });
}

async function curlBatch(url: string, token: string, files: string[]): Promise<Answer> {
  const stdout = await curl(['-sS', '-w', '\n%{http_code}', '-H', `Authorization: Bearer ${token}`, ...files.flatMap((f) => ['-F', `file=@${f}`]), url]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), body: stdout.slice(0, cut) };
}

/** Every batch through one `curl --parallel` process; the answers in batch order. */
async function curlParallel(url: string, token: string, batches: string[][], concurrency: number): Promise<Answer[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-curl-'));
  try {
    const quote = (v: string) => `"${v.replace(/[\\"]/g, '\\$&')}"`;
    const config = batches.map((batch, i) =>
      [
        `url = ${quote(url)}`,
        `header = ${quote(`Authorization: Bearer ${token}`)}`,
        ...batch.map((f) => `form = ${quote(`file=@${f}`)}`),
        `output = ${quote(path.join(dir, `${i}.json`))}`,
        `write-out = "${i} %{http_code}\\n"`,
      ].join('\n'),
    );
    writeFileSync(path.join(dir, 'config'), config.join('\nnext\n'));
    const stdout = await curl(['-sS', '--parallel', '--parallel-max', String(concurrency), '-K', path.join(dir, 'config')]);
    const status = new Map(stdout.trim().split('\n').map((line) => line.split(' ').map(Number) as [number, number]));
    return batches.map((_, i) => ({ status: status.get(i) ?? 0, body: readFileSync(path.join(dir, `${i}.json`), 'utf8') }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Uploads every file through POST /upload/batch, `size` files per request, `concurrency` requests at a
 * time (a CI job or a mirror pushing a directory of packages).
 */
export async function uploadBatches(srv: BenchServer, distribution: string, files: string[], size: number, concurrency: number): Promise<void> {
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += size) batches.push(files.slice(i, i + size));
  const url = `${srv.base}/upload/batch?distribution=${encodeURIComponent(distribution)}`;
  const check = ({ status, body }: Answer) => {
    const answer = JSON.parse(body) as { failed?: number };
    if (status !== 200 || answer.failed) throw new Error(`batch upload: ${status} ${body.slice(0, 500)}`);
  };
  if (BATCH_CLIENT === 'curl') {
    for (const answer of await curlParallel(url, srv.token, batches, concurrency)) check(answer);
    return;
  }
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        check(BATCH_CLIENT === 'curl-each' ? await curlBatch(url, srv.token, batch) : await fetchBatch(url, srv.token, batch));
      }
    }),
  );
}

/**
 * Full publication from scratch: the stopped server's data in a fresh process, every cached index chunk
 * forgotten, so every index is rendered, compressed, hashed and signed again.
 */
export async function fullPublish(dataDir: string, distribution: string): Promise<{ seconds: number; snapshots: number }> {
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', ADMIN_PASSWORD: PASSWORD });
  const c = await createContainer(config, pino({ level: 'warn' }));
  try {
    await c.stores.publications.forgetChunks();
    const repo = (await c.stores.repositories.getByName(distribution))!;
    const t = performance.now();
    await c.publisher.rebuild(repo.id);
    return { seconds: (performance.now() - t) / 1000, snapshots: repo.headSnapshot };
  } finally {
    await c.close();
  }
}

export interface IngestModes {
  /** Upload clients sending one file per request. */
  concurrency: number;
  /** Files per POST /upload/batch request (0: not measured) and such requests in flight. */
  batch: number;
  batchConcurrency: number;
}

export interface BatchMeasured {
  batchIngestS: number | null;
  batchRssMb: number | null;
  /** CPU seconds during the batch ingest: the server's main thread, its other threads, and this bench client. */
  batchCpu: { mainS: number; otherS: number; clientS: number } | null;
}

/**
 * Ingest through POST /upload/batch on a fresh server until the client index lists everything; peak RSS.
 * `count` reads what the client reads.
 */
export async function benchBatchIngest(
  files: string[],
  distribution: string,
  modes: IngestModes,
  count: (base: string) => Promise<number>,
): Promise<BatchMeasured> {
  if (modes.batch <= 0) return { batchIngestS: null, batchRssMb: null, batchCpu: null };
  const srv = await startServer();
  try {
    const before = srv.cpuSeconds();
    const client = process.cpuUsage();
    const t0 = performance.now();
    await uploadBatches(srv, distribution, files, modes.batch, modes.batchConcurrency);
    const seen = await count(srv.base);
    const batchIngestS = (performance.now() - t0) / 1000;
    if (seen !== files.length) throw new Error(`batch ingest: the index lists ${seen} of ${files.length}`);
    const after = srv.cpuSeconds();
    const used = process.cpuUsage(client);
    const batchCpu = { mainS: after.main - before.main, otherS: after.other - before.other, clientS: (used.user + used.system) / 1e6 };
    return { batchIngestS, batchRssMb: srv.peakRssMb(), batchCpu };
  } finally {
    await srv.stop();
    srv.cleanup();
  }
}
