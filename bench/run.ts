/**
 * npm run bench [-- N ...]: ingest, publish and add-one figures for Packyard at N synthetic .deb packages,
 * beside reprepro (includedeb, export, add one) on the same corpus. Prints a table; writes bench/out/*.json.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';
import { synthDeb } from './synth.js';

const sizes = process.argv.slice(2).map(Number).filter((n) => n > 0);
const N_LIST = sizes.length ? sizes : [1000, 10000, 50000];
const PASSWORD = 'Bench1234!';
const out: Record<string, unknown>[] = [];

function say(msg: string): void {
  process.stdout.write(`${msg}\n`);
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server did not come up at ${url}`);
}

function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmHWM:\s+(\d+)/.exec(status)![1]) / 1024;
}

async function upload(base: string, token: string, name: string, body: Buffer): Promise<void> {
  const form = new FormData();
  form.append('file', new Blob([body]), `${name}.deb`);
  form.append('distribution', 'jammy');
  const res = await fetch(`${base}/upload/`, { method: 'POST', body: form, headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`upload ${name}: ${res.status} ${await res.text()}`);
}

async function countPackages(base: string): Promise<number> {
  const text = await (await fetch(`${base}/repos/dists/jammy/main/binary-amd64/Packages`)).text();
  return (text.match(/^Package: /gm) ?? []).length;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
}

async function benchPackyard(n: number, corpusDir: string, names: string[]) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-bench-'));
  const port = 18000 + Math.floor(Math.random() * 1000);
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_ARGS?.split(' ').filter(Boolean) ?? []), 'dist/main.js'], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', ADMIN_PASSWORD: PASSWORD, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitFor(`${base}/health/live`);
    const login = await fetch(`${base}/auth/token`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "admin", password: PASSWORD }) });
    const token = ((await login.json()) as { access_token: string }).access_token;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < n) {
          const i = next++;
          await upload(base, token, names[i], readFileSync(path.join(corpusDir, `${names[i]}.deb`)));
        }
      }),
    );
    const seen = await countPackages(base);
    const ingestS = (performance.now() - t0) / 1000;
    if (seen !== n) throw new Error(`apt index lists ${seen} of ${n}`);

    const one = synthDeb('pkb-extra', '1.0-1');
    const t1 = performance.now();
    await upload(base, token, 'pkb-extra', one);
    const inRelease = await (await fetch(`${base}/repos/dists/jammy/InRelease`)).text();
    const addOneS = (performance.now() - t1) / 1000;
    if ((await countPackages(base)) !== n + 1 || !inRelease.includes('Packages.xz')) throw new Error('add-one not visible');
    const rss = peakRssMb(child.pid!);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    // Full publish from scratch: a fresh process with no cached chunks renders and compresses every index.
    const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', ADMIN_PASSWORD: PASSWORD });
    const c = await createContainer(config, pino({ level: 'warn' }));
    await c.stores.publications.forgetChunks();
    const repo = (await c.stores.repositories.getByName('jammy'))!;
    const t2 = performance.now();
    await c.publisher.rebuild(repo.id);
    const fullS = (performance.now() - t2) / 1000;
    const batches = (await c.stores.repositories.getById(repo.id))!.headSnapshot;
    await c.close();
    return { ingestS, ingestRate: n / ingestS, addOneS, fullS, rssMb: rss, snapshots: batches };
  } finally {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function benchReprepro(corpusDir: string) {
  if (spawnSync('sh', ['-c', 'command -v reprepro']).status !== 0) return null;
  const base = mkdtempSync(path.join(os.tmpdir(), 'reprepro-bench-'));
  mkdirSync(path.join(base, 'conf'));
  writeFileSync(path.join(base, 'conf/distributions'), 'Codename: jammy\nComponents: main\nArchitectures: amd64 arm64\n');
  writeFileSync(path.join(base, 'conf/options'), 'silent\n');
  const extra = path.join(base, 'extra.deb');
  writeFileSync(extra, synthDeb('pkb-extra', '1.0-1'));
  const sh = (cmd: string) => {
    const r = spawnSync('sh', ['-c', cmd], { cwd: base, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  };
  const includeS = time(() => sh(`find ${corpusDir} -name '*.deb' -print0 | xargs -0 reprepro -b . includedeb jammy`));
  const exportS = time(() => sh('reprepro -b . export jammy'));
  const addOneS = time(() => sh(`reprepro -b . includedeb jammy ${extra}`));
  rmSync(base, { recursive: true, force: true });
  return { includeS, exportS, addOneS };
}

// The server runs as `npm start` runs it: compiled JavaScript.
if (spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' }).status !== 0) throw new Error('build failed');

for (const n of N_LIST) {
  say(`\n== N = ${n} synthetic .deb packages`);
  const corpusDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-corpus-'));
  const names = Array.from({ length: n }, (_, i) => `pkb${String(i).padStart(6, '0')}`);
  for (const name of names) writeFileSync(path.join(corpusDir, `${name}.deb`), synthDeb(name, '1.0-1'));
  const ours = await benchPackyard(n, corpusDir, names);
  const theirs = benchReprepro(corpusDir);
  rmSync(corpusDir, { recursive: true, force: true });
  const row = { n, packyard: ours, reprepro: theirs };
  out.push(row);
  say(`packyard: ingest over HTTP until apt sees all ${ours.ingestS.toFixed(1)} s (${ours.ingestRate.toFixed(0)} pkg/s), add one until visible ${ours.addOneS.toFixed(3)} s, full publish ${ours.fullS.toFixed(2)} s, peak RSS ${ours.rssMb.toFixed(0)} MB, ${ours.snapshots} snapshots (upload batches)`);
  if (theirs) {
    say(`reprepro: includedeb all ${theirs.includeS.toFixed(1)} s, export ${theirs.exportS.toFixed(2)} s, add one ${theirs.addOneS.toFixed(2)} s`);
    say(`ratios (packyard / reprepro): ingest ${(ours.ingestS / theirs.includeS).toFixed(2)}, add one ${(ours.addOneS / theirs.addOneS).toFixed(2)}, full publish vs export ${(ours.fullS / theirs.exportS).toFixed(2)}`);
  }
}
mkdirSync('bench/out', { recursive: true });
writeFileSync(`bench/out/bench-${Date.now()}.json`, JSON.stringify(out, null, 2));
