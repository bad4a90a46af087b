/**
 * npx tsx bench/catalog.ts [N] — request rates of the catalog listings and an index fetch over N synthetic
 * packages in one distribution (SQLite, or PostgreSQL when BENCH_DATABASE_URL is set). bench/load.ts (keep-alive
 * fetch, fixed concurrency, separate process) stands in for wrk where wrk is not installed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';

const N = Number(process.argv[2] ?? 20000);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 16);

async function seed(c: Awaited<ReturnType<typeof createContainer>>): Promise<void> {
  const repo = (await c.stores.repositories.getByName('jammy'))!;
  const now = new Date().toISOString();
  await c.db.transaction().execute(async (trx) => {
    for (let i = 0; i < N; i++) {
      const name = `pkg${i}`;
      const sha256 = createHash('sha256').update(name).digest('hex');
      const filename = `pool/main/p/${name}/${name}_1.0_amd64.deb`;
      const id = await c.stores.packages.insert(trx, {
        sha256, format: 'deb', name, version: '1.0', arch: 'amd64', source: name, source_version: '1.0', filename, size: 100, sha1: '', md5: '',
        meta: JSON.stringify({ format: 'deb', control: [['Description', `bench package ${i}`]] }),
        files: '[]',
        fragment_index: `Package: ${name}\nVersion: 1.0\nArchitecture: amd64\nFilename: ${filename}\nSize: 100\nSHA256: ${sha256}\nDescription: bench package ${i}\n`,
        fragment_files: `usr/bin/${name} utils/${name}\n`,
        fragment_other: '',
        created_at: now,
        uploaded_by: 'bench',
      });
      await c.stores.snapshots.addMember(trx, repo.id, id, 'main', 1);
    }
    await c.stores.snapshots.create(trx, { repositoryId: repo.id, number: 1, reason: 'bench', actor: 'bench', createdAt: now });
    await c.stores.repositories.setHead(trx, repo.id, 1);
  });
  await c.publisher.publish(repo.id);
}

/** The load generator runs in its own process so that it does not share the server's event loop. */
function load(url: string, token: string): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'load.ts'), url, token, String(SECONDS), String(CONCURRENCY)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`load generator exited with ${code}`))));
  });
}

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-bench-catalog-'));
const config = loadConfig({ DATA_DIR: dataDir, ADMIN_USERNAME: 'admin', ADMIN_PASSWORD: 'Bench1234!', DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', LOG_LEVEL: 'warn' });
const container = await createContainer(config, pino({ level: 'warn' }));
const t0 = performance.now();
await seed(container);
process.stdout.write(`seeded and published ${N} packages in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
const app = await buildApp(container);
const base = await app.listen({ port: 0, host: '127.0.0.1' });
const login = await fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: 'Bench1234!' }) });
const token = ((await login.json()) as { access_token: string }).access_token;
for (const p of [
  '/packages/?per_page=50',
  `/packages/?per_page=50&page=${Math.floor(N / 100)}`,
  '/packages/?q=kg123&per_page=50',
  '/artifacts/?per_page=50',
  '/artifacts/?distribution=jammy&arch=amd64&per_page=200',
  '/distributions/',
  '/repos/dists/jammy/InRelease',
  '/repos/dists/jammy/main/binary-amd64/Packages.gz',
]) {
  const r = await load(`${base}${p}`, token);
  process.stdout.write(`${p.padEnd(60)} ${r.rps.toFixed(0).padStart(6)} req/s  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms${r.errors ? `  ${r.errors} errors` : ''}\n`);
}
await app.close();
await container.close();
rmSync(dataDir, { recursive: true, force: true });
