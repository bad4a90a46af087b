/**
 * npm run bench [-- N ...]   (or BENCH_SIZES=1000,10000,50000; default 1000; BENCH_FORMATS=deb,rpm;
 * BENCH_CONCURRENCY=16 clients uploading one file per request; BENCH_BATCH=100 files per POST /upload/batch
 * with BENCH_BATCH_CONCURRENCY=4 requests in flight, 0 to skip, sent by one `curl --parallel` process, or
 * BENCH_CLIENT=curl-each (one curl process per batch) or BENCH_CLIENT=fetch (Node's fetch and FormData);
 * BENCH_LOG_LEVEL=info shows the servers' logs,
 * publication times included)
 *
 * For N synthetic packages per format: Packyard's ingest over HTTP until the client index lists everything,
 * add-one-until-visible (right after the ingest, and again after the repository was idle for 3 s), full
 * publish from scratch, the server's peak RSS and the CPU time of the batch ingest (the server's main thread;
 * its other threads: V8's collector helpers and the thread pool; the bench client itself); beside reprepro
 * (includedeb, export, add one) for .deb and createrepo_c (full, --update) for .rpm on the same corpus, as ratios.
 * Prints a table; writes bench/out/bench-<time>.json.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { benchPackyardDeb, benchReprepro, debCorpus, type Measured } from './deb.js';
import { benchCreaterepo, benchPackyardRpm, rpmCorpus } from './rpm.js';

const fromArgs = process.argv.slice(2).map(Number).filter((n) => n > 0);
const fromEnv = (process.env.BENCH_SIZES ?? '').split(',').map(Number).filter((n) => n > 0);
const SIZES = fromArgs.length ? fromArgs : fromEnv.length ? fromEnv : [1000];
const FORMATS = (process.env.BENCH_FORMATS ?? 'deb,rpm').split(',');
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const BATCH_CONCURRENCY = Number(process.env.BENCH_BATCH_CONCURRENCY ?? 4);
const MODES = { concurrency: CONCURRENCY, batch: BATCH, batchConcurrency: BATCH_CONCURRENCY };

type Row = { n: number; format: string; metric: string; packyard: number; reference: string; referenceValue: number | null };
const rows: Row[] = [];
const results: Record<string, unknown>[] = [];

function say(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

function row(n: number, format: string, metric: string, packyard: number, reference: string, referenceValue: number | null): void {
  rows.push({ n, format, metric, packyard, reference, referenceValue });
  const ratio = referenceValue ? ` ratio ${(packyard / referenceValue).toFixed(2)}` : '';
  say(`  ${metric.padEnd(34)} ${packyard.toFixed(3).padStart(9)}  ${reference.padEnd(26)} ${referenceValue === null ? '-' : referenceValue.toFixed(3).padStart(9)}${ratio}`);
}

function cpuRows(n: number, format: string, cpu: Measured['batchCpu']): void {
  if (!cpu) return;
  row(n, format, 'batch CPU: server main thread (s)', cpu.mainS, '', null);
  row(n, format, 'batch CPU: server other threads (s)', cpu.otherS, '', null);
  row(n, format, 'batch CPU: bench client (s)', cpu.clientS, '', null);
}

// The server runs as `npm start` runs it: compiled JavaScript.
if (spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');

for (const n of SIZES) {
  if (FORMATS.includes('deb')) {
    say(`\n== N = ${n} synthetic .deb packages (${CONCURRENCY} upload clients; batches of ${BATCH}, ${BATCH_CONCURRENCY} in flight)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-corpus-'));
    try {
      const files = debCorpus(dir, n);
      const ours = await benchPackyardDeb(files, MODES);
      const theirs = benchReprepro(dir);
      results.push({ n, format: 'deb', packyard: ours, reprepro: theirs, ...MODES });
      row(n, 'deb', 'ingest until apt sees all (s)', ours.ingestS, 'reprepro includedeb (s)', theirs?.includeS ?? null);
      row(n, 'deb', 'ingest rate (pkg/s)', n / ours.ingestS, 'reprepro (pkg/s)', theirs ? n / theirs.includeS : null);
      if (ours.batchIngestS !== null) {
        row(n, 'deb', `ingest, ${BATCH} files/request (s)`, ours.batchIngestS, 'reprepro includedeb (s)', theirs?.includeS ?? null);
        row(n, 'deb', 'batch ingest rate (pkg/s)', n / ours.batchIngestS, 'reprepro (pkg/s)', theirs ? n / theirs.includeS : null);
      }
      row(n, 'deb', 'add one until visible (s)', ours.addOneS, 'reprepro add one (s)', theirs?.addOneS ?? null);
      row(n, 'deb', 'add one, repository at rest (s)', ours.addOneRestS, 'reprepro add one (s)', theirs?.addOneS ?? null);
      row(n, 'deb', 'full publish, every index (s)', ours.fullS, 'reprepro export (s)', theirs?.exportS ?? null);
      row(n, 'deb', 'server peak RSS (MB)', ours.rssMb, '', null);
      if (ours.batchRssMb !== null) row(n, 'deb', 'server peak RSS, batch ingest (MB)', ours.batchRssMb, '', null);
      cpuRows(n, 'deb', ours.batchCpu);
      row(n, 'deb', 'snapshots (upload batches)', ours.snapshots, '', null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (FORMATS.includes('rpm')) {
    say(`\n== N = ${n} synthetic .rpm packages (${CONCURRENCY} upload clients; batches of ${BATCH}, ${BATCH_CONCURRENCY} in flight)`);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-corpus-'));
    try {
      const files = rpmCorpus(dir, n);
      const ours = await benchPackyardRpm(files, MODES);
      const theirs = benchCreaterepo(dir);
      results.push({ n, format: 'rpm', packyard: ours, createrepo_c: theirs, ...MODES });
      row(n, 'rpm', 'ingest until dnf sees all (s)', ours.ingestS, 'createrepo_c full (s)', theirs?.fullS ?? null);
      row(n, 'rpm', 'ingest rate (pkg/s)', n / ours.ingestS, 'createrepo_c (pkg/s)', theirs ? n / theirs.fullS : null);
      if (ours.batchIngestS !== null) {
        row(n, 'rpm', `ingest, ${BATCH} files/request (s)`, ours.batchIngestS, 'createrepo_c full (s)', theirs?.fullS ?? null);
        row(n, 'rpm', 'batch ingest rate (pkg/s)', n / ours.batchIngestS, 'createrepo_c (pkg/s)', theirs ? n / theirs.fullS : null);
      }
      row(n, 'rpm', 'add one until visible (s)', ours.addOneS, 'createrepo_c --update (s)', theirs?.updateS ?? null);
      row(n, 'rpm', 'add one, repository at rest (s)', ours.addOneRestS, 'createrepo_c --update (s)', theirs?.updateS ?? null);
      row(n, 'rpm', 'full publish, every index (s)', ours.fullS, 'createrepo_c full (s)', theirs?.fullS ?? null);
      row(n, 'rpm', 'server peak RSS (MB)', ours.rssMb, '', null);
      if (ours.batchRssMb !== null) row(n, 'rpm', 'server peak RSS, batch ingest (MB)', ours.batchRssMb, '', null);
      cpuRows(n, 'rpm', ours.batchCpu);
      row(n, 'rpm', 'snapshots (upload batches)', ours.snapshots, '', null);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

say('\n| N | format | metric | Packyard | reference | value | ratio |\n|---|---|---|---|---|---|---|');
for (const r of rows) {
  const ratio = r.referenceValue ? (r.packyard / r.referenceValue).toFixed(2) : '';
  say(`| ${r.n} | ${r.format} | ${r.metric} | ${r.packyard.toFixed(3)} | ${r.reference} | ${r.referenceValue?.toFixed(3) ?? ''} | ${ratio} |`);
}
mkdirSync('bench/out', { recursive: true });
const out = `bench/out/bench-${new Date().toISOString().replace(/[:.]/g, '-')}.json`;
writeFileSync(out, JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, loadavg: os.loadavg(), results, rows }, null, 2));
say(`\nwritten ${out}`);
