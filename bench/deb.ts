import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BatchMeasured, benchBatchIngest, fullPublish, type IngestModes, startServer, upload, uploadAll } from './server.js';
import { synthDeb } from './synth.js';

/** BatchMeasured: the ingest through POST /upload/batch on a second server (null when not measured). */
export interface Measured extends BatchMeasured {
  ingestS: number;
  addOneS: number;
  /** Add one after the repository was idle for REST_MS. */
  addOneRestS: number;
  fullS: number;
  rssMb: number;
  snapshots: number;
}

/** Pause before the second add-one measurement. */
export const REST_MS = 3000;

export function sh(cmd: string, cwd: string): number {
  const t = performance.now();
  const r = spawnSync('sh', ['-c', cmd], { cwd, stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`${cmd.slice(0, 200)}: ${r.stderr}`);
  return (performance.now() - t) / 1000;
}

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

export function debCorpus(dir: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `pkb${String(i).padStart(6, '0')}`;
    const file = path.join(dir, `${name}.deb`);
    writeFileSync(file, synthDeb(name, '1.0-1'));
    return file;
  });
}

async function countPackages(base: string): Promise<number> {
  const text = await (await fetch(`${base}/repos/dists/jammy/main/binary-amd64/Packages`)).text();
  return (text.match(/^Package: /gm) ?? []).length;
}

/** Ingest over HTTP until apt's index lists everything, add one until visible, full publish, peak RSS. */
export async function benchPackyardDeb(files: string[], modes: IngestModes): Promise<Measured> {
  const batch = await benchBatchIngest(files, 'jammy', modes, countPackages);
  const concurrency = modes.concurrency;
  const srv = await startServer();
  try {
    const t0 = performance.now();
    await uploadAll(srv, 'jammy', files, concurrency);
    const seen = await countPackages(srv.base);
    const ingestS = (performance.now() - t0) / 1000;
    if (seen !== files.length) throw new Error(`apt index lists ${seen} of ${files.length}`);

    const t1 = performance.now();
    await upload(srv, 'jammy', 'pkb-extra.deb', synthDeb('pkb-extra', '1.0-1'));
    const inRelease = await (await fetch(`${srv.base}/repos/dists/jammy/InRelease`)).text();
    const addOneS = (performance.now() - t1) / 1000;
    if ((await countPackages(srv.base)) !== files.length + 1 || !inRelease.includes('Packages.xz')) throw new Error('add-one not visible');
    // The same once the repository has been at rest for a moment (a CI job uploading to a quiet server):
    // background work after a publication (rpm: prewarmed hash states) has had its chance.
    await new Promise((r) => setTimeout(r, REST_MS));
    const t2 = performance.now();
    await upload(srv, 'jammy', 'pkb-rest.deb', synthDeb('pkb-rest', '1.0-1'));
    await (await fetch(`${srv.base}/repos/dists/jammy/InRelease`)).text();
    const addOneRestS = (performance.now() - t2) / 1000;
    const rssMb = srv.peakRssMb();
    await srv.stop();
    const full = await fullPublish(srv.dataDir, 'jammy');
    return { ingestS, ...batch, addOneS, addOneRestS, fullS: full.seconds, rssMb, snapshots: full.snapshots };
  } finally {
    srv.cleanup();
  }
}

/** reprepro on the same corpus: includedeb of everything, export, include one more. */
export function benchReprepro(corpusDir: string): { includeS: number; exportS: number; addOneS: number } | null {
  if (!hasTool('reprepro')) return null;
  const base = mkdtempSync(path.join(os.tmpdir(), 'reprepro-bench-'));
  try {
    mkdirSync(path.join(base, 'conf'));
    writeFileSync(path.join(base, 'conf/distributions'), 'Codename: jammy\nComponents: main\nArchitectures: amd64 arm64\n');
    writeFileSync(path.join(base, 'conf/options'), 'silent\n');
    const extra = path.join(base, 'extra.deb');
    writeFileSync(extra, synthDeb('pkb-extra', '1.0-1'));
    const includeS = sh(`find ${corpusDir} -name '*.deb' -print0 | xargs -0 reprepro -b . includedeb jammy`, base);
    const exportS = sh('reprepro -b . export jammy', base);
    const addOneS = sh(`reprepro -b . includedeb jammy ${extra}`, base);
    return { includeS, exportS, addOneS };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}
