/**
 * npm run bench:hosts [-- --hosts 10000 --packages 2000 --pg postgres://user@host/db]
 *
 * Host inventory at fleet scale: fills HOSTS hosts × PACKAGES installed packages through the inventory
 * service (one transaction per host, as a PUT does), then times over real HTTP:
 *   - PUT /api/v2/host/packages/installed of a steady-state report (10 upgrades among PACKAGES), and of a
 *     first report (PACKAGES new rows);
 *   - GET /api/v2/hosts/package/openssl;
 *   - GET /api/v1/security/exposure?cve=... against an in-memory advisory set;
 * and reports p50/p95 and the database size. Without --pg it runs on SQLite; with --pg it creates (and
 * drops) a fresh database on that server. Results go to bench/out/hosts-<dialect>.json.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';
import { sha256Hex } from '../src/core/hash.js';
import type { AdvisoryLookup, AdvisoryRange } from '../src/hosts/advisory-lookup.js';
import type { ReportedPackage } from '../src/hosts/host.types.js';
import { releaseOf } from '../src/hosts/os-release.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}
const HOSTS = Number(arg('hosts', '10000'));
const PACKAGES = Number(arg('packages', '2000'));
const PG_URL = arg('pg', '');
const SAMPLES = Number(arg('samples', '200'));
const PASSWORD = 'Bench1234!';
const say = (msg: string) => process.stdout.write(`${msg}\n`);

const RELEASES = [
  { os: 'ubuntu', version: '22.04', family: 'Debian', openssl: ['3.0.2-0ubuntu1.9', '3.0.2-0ubuntu1.10', '3.0.2-0ubuntu1.12'] },
  { os: 'ubuntu', version: '24.04', family: 'Debian', openssl: ['3.0.13-0ubuntu3.1', '3.0.13-0ubuntu3.4'] },
  { os: 'debian', version: '12', family: 'Debian', openssl: ['3.0.11-1~deb12u1', '3.0.11-1~deb12u2', '3.0.14-1~deb12u2'] },
  { os: 'almalinux', version: '9.4', family: 'Redhat', openssl: ['1:3.0.7-24.el9', '1:3.0.7-27.el9'] },
];
const RANGES: AdvisoryRange[] = [
  { advisoryId: 'USN-BENCH-1', cve: 'CVE-2099-0001', release: 'jammy', sourceName: 'openssl', binaryNames: ['openssl', 'libssl3'], introduced: null, fixed: '3.0.2-0ubuntu1.10', severity: 'high' },
  { advisoryId: 'DSA-BENCH-1', cve: 'CVE-2099-0001', release: 'bookworm', sourceName: 'openssl', introduced: null, fixed: '3.0.11-1~deb12u2', severity: 'high' },
  { advisoryId: 'ALSA-BENCH-1', cve: 'CVE-2099-0001', release: 'almalinux9', sourceName: 'openssl', introduced: null, fixed: '1:3.0.7-27.el9', severity: 'high' },
];
const advisories: AdvisoryLookup = {
  advisoriesFor: async (cve) => RANGES.filter((r) => r.cve === cve),
  affectedRanges: async (release, sources) => RANGES.filter((r) => r.release === release && sources.includes(r.sourceName)),
};

/** A plausible installed list: 95% of names shared by the fleet, the rest varying per host; a few i386 entries. */
function inventory(h: number, bump = 0): ReportedPackage[] {
  const rel = RELEASES[h % RELEASES.length]!;
  const ssl = rel.openssl[h % rel.openssl.length]!;
  const out: ReportedPackage[] = [
    { name: 'openssl', arch: '', version: ssl },
    { name: 'libssl3', arch: '', version: ssl },
  ];
  const shared = Math.floor(PACKAGES * 0.95);
  for (let i = 0; out.length < PACKAGES; i++) {
    const n = i < shared ? i : shared + ((h * 7 + i * 13) % (PACKAGES * 2));
    const arch = n % 97 === 0 && out.length + 1 < PACKAGES ? 'i386' : '';
    const v = `${1 + (n % 5)}.${n % 17}.${(h + n) % 3}-1${i < 10 ? `+b${bump}` : ''}`;
    out.push({ name: `pkg-${n}`, arch: '', version: v });
    if (arch) out.push({ name: `pkg-${n}`, arch, version: v });
  }
  return out;
}

function report(packages: ReportedPackage[]): string {
  return JSON.stringify({ installed_packages: packages.map((p) => `${p.arch ? `${p.name}:${p.arch}` : p.name}|${p.version}`).join(',') });
}

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return Number(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(2));
}

/**
 * Wall time per call, and the CPU time this process spent per call (server and client share the process;
 * on SQLite that is all the work, on PostgreSQL the database server's share is not in it). The machine the
 * figures come from may be shared: CPU time is the figure that does not depend on what else runs.
 */
async function timed(n: number, fn: (i: number) => Promise<void>): Promise<{ p50: number; p95: number; cpuMsPerCall: number; n: number }> {
  const t: number[] = [];
  const cpu0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    await fn(i);
    t.push(performance.now() - start);
  }
  const cpu = process.cpuUsage(cpu0);
  return { p50: pct(t, 50), p95: pct(t, 95), cpuMsPerCall: Number(((cpu.user + cpu.system) / 1000 / n).toFixed(2)), n };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-bench-hosts-'));
  let databaseUrl = '';
  let dropDb: (() => Promise<void>) | undefined;
  if (PG_URL) {
    const name = `packyard_bench_hosts_${Date.now()}`;
    const admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    const u = new URL(PG_URL);
    u.pathname = `/${name}`;
    databaseUrl = u.toString();
    dropDb = async () => {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`drop database if exists ${name} with (force)`);
      await c.end();
    };
  }
  const dialect = databaseUrl ? 'postgres' : 'sqlite';
  const config = loadConfig({ DATA_DIR: dataDir, DATABASE_URL: databaseUrl, LOG_LEVEL: 'warn', ADMIN_PASSWORD: PASSWORD });
  const c = await createContainer(config, pino({ level: 'warn' }));
  c.hosts.exposure.useAdvisories(advisories);
  const app = await buildApp(c);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const addr = app.server.address();
  const base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;

  say(`# hosts benchmark on ${dialect}: ${HOSTS} hosts × ${PACKAGES} installed packages`);
  // The fleet is filled through the stores, a batch of hosts per transaction (registration audit skipped:
  // 10,000 audit rows would only measure the audit chain). The timed PUTs below go through HTTP.
  const tokens: { id: number; auth: string }[] = [];
  const fillStart = performance.now();
  const BATCH = dialect === 'sqlite' ? 50 : 20;
  const parallel = dialect === 'postgres' ? 2 : 1;
  const fillBatch = async (from: number) => {
    await c.db.transaction().execute(async (trx) => {
      for (let i = from; i < Math.min(from + BATCH, HOSTS); i++) {
        const rel = RELEASES[i % RELEASES.length]!;
        const token = randomBytes(16).toString('hex');
        const now = new Date().toISOString();
        const host = await c.stores.hosts.create(trx, { authId: `id_${randomBytes(16).toString('hex')}`, tokenHash: sha256Hex(token), hostname: `host-${i}.bench`, ip: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, registeredAt: now });
        await c.stores.hosts.updateStatus(trx, host.id, { os: rel.os, osVersion: rel.version, osFamily: rel.family, release: releaseOf(rel.os, rel.version), env: i % 3 === 0 ? 'preprod' : 'prod', profile: 'bench', kernel: '6.8.0-45-generic', arch: 'x86_64' }, now);
        await c.stores.hostsInventory.upsertPackages(trx, host.id, inventory(i).map((p) => ({ ...p, state: 'inventored' as const, since: now })));
        await c.stores.hosts.touch(trx, host.id, now, true);
        if (i < SAMPLES) tokens.push({ id: i, auth: `Host ${host.authId}:${token}` });
      }
    });
  };
  // Filling is setup, not the measure: a large SQLite page cache keeps the (name, version) index pages of a
  // batch in memory instead of spilling them to the WAL; the default is restored before anything is timed.
  if (dialect === 'sqlite') await sql`pragma cache_size = -524288`.execute(c.db);
  for (let h = 0; h < HOSTS; h += BATCH * parallel) {
    await Promise.all(Array.from({ length: parallel }, (_, k) => h + k * BATCH).filter((f) => f < HOSTS).map(fillBatch));
    if (Math.floor((h + BATCH * parallel) / 1000) > Math.floor(h / 1000)) say(`  filled ${Math.min(h + BATCH * parallel, HOSTS)} hosts (${((performance.now() - fillStart) / 1000).toFixed(0)} s)`);
  }
  const fillSeconds = (performance.now() - fillStart) / 1000;
  await sql`analyze`.execute(c.db);
  if (dialect === 'sqlite') {
    await sql`pragma cache_size = -2000`.execute(c.db);
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(c.db);
  }
  tokens.sort((a, b) => a.id - b.id);

  const put = (auth: string, body: string) =>
    fetch(`${base}/api/v2/host/packages/installed`, { method: 'PUT', headers: { authorization: auth, 'content-type': 'application/json' }, body }).then(async (r) => {
      if (r.status !== 200) throw new Error(`PUT installed: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    });
  const bodies = tokens.map((t) => report(inventory(t.id, 1)));
  const steady = await timed(tokens.length, (i) => put(tokens[i]!.auth, bodies[i]!));

  const key = await (async () => {
    const jwt = ((await (await fetch(`${base}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'admin', password: PASSWORD }) })).json()) as { access_token: string }).access_token;
    const k = ((await (await fetch(`${base}/api/v1/auth/api-key`, { method: 'POST', headers: { authorization: `Bearer ${jwt}` } })).json()) as { api_key: string }).api_key;
    return { jwt, k };
  })();
  const fresh: string[] = [];
  for (let i = 0; i < Math.min(50, SAMPLES); i++) {
    const r = await fetch(`${base}/api/v2/host/registering`, { method: 'POST', headers: { authorization: `Bearer ${key.k}`, 'content-type': 'application/json' }, body: JSON.stringify({ hostname: `new-${i}.bench`, ip: '' }) });
    const { id, token } = ((await r.json()) as { results: { id: string; token: string } }).results;
    fresh.push(`Host ${id}:${token}`);
  }
  const firstBodies = fresh.map((_, i) => report(inventory(HOSTS + i)));
  const first = await timed(fresh.length, (i) => put(fresh[i]!, firstBodies[i]!));

  let matched = 0;
  const byPackage = await timed(20, async () => {
    const r = await fetch(`${base}/api/v2/hosts/package/openssl`, { headers: { authorization: `Bearer ${key.k}` } });
    matched = ((await r.json()) as { results: unknown[] }).results.length;
  });
  let exposed = 0;
  const exposure = await timed(20, async () => {
    const r = await fetch(`${base}/api/v1/security/exposure?cve=CVE-2099-0001`, { headers: { authorization: `Bearer ${key.jwt}` } });
    exposed = ((await r.json()) as { hosts: number }).hosts;
  });
  const hostVulns = await timed(20, async (i) => {
    const r = await fetch(`${base}/api/v1/hosts/${i + 1}/vulnerabilities`, { headers: { authorization: `Bearer ${key.jwt}` } });
    await r.arrayBuffer();
  });

  let sizeMb: number;
  if (dialect === 'postgres') {
    const r = await sql<{ n: number }>`select pg_database_size(current_database()) as n`.execute(c.db);
    sizeMb = Number(r.rows[0]!.n) / 1e6;
  } else {
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(c.db);
    sizeMb = statSync(path.join(dataDir, 'packyard.sqlite')).size / 1e6;
  }
  const rows = await c.db.selectFrom('host_packages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();

  const result = {
    dialect,
    hosts: HOSTS,
    packagesPerHost: PACKAGES,
    hostPackageRows: Number(rows.n),
    fillSeconds: Number(fillSeconds.toFixed(1)),
    putInstalledSteadyMs: steady,
    putInstalledFirstMs: first,
    hostsByPackageOpensslMs: { ...byPackage, hostsMatched: matched },
    exposureByCveMs: { ...exposure, hostsExposed: exposed },
    hostVulnerabilitiesMs: hostVulns,
    databaseMb: Number(sizeMb.toFixed(1)),
    loadAverage: os.loadavg(),
    cpus: os.cpus().length,
  };
  say('');
  const line = (label: string, m: { p50: number; p95: number; cpuMsPerCall: number }, target: string) => say(`| ${label} | ${m.p50} | ${m.p95} | ${m.cpuMsPerCall} | ${target} |`);
  say(`load average at the end: ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
  say('| measure | p50 ms | p95 ms | CPU ms/call (node) | target |');
  say('|---|---|---|---|---|');
  line(`PUT installed, steady report (${PACKAGES} pkgs, 10 changed), n=${steady.n}`, steady, 'p50 ≤ 30');
  line(`PUT installed, first report (${PACKAGES} new rows), n=${first.n}`, first, '');
  line(`GET /api/v2/hosts/package/openssl (${matched} hosts)`, byPackage, '≤ 200');
  line(`GET /api/v1/security/exposure?cve= (${exposed} hosts exposed)`, exposure, '≤ 200');
  line('GET /api/v1/hosts/{id}/vulnerabilities', hostVulns, '');
  say(`database: ${result.databaseMb} MB for ${result.hostPackageRows} host_packages rows; fill ${result.fillSeconds} s`);
  mkdirSync('bench/out', { recursive: true });
  writeFileSync(`bench/out/hosts-${dialect}.json`, `${JSON.stringify(result, null, 2)}\n`);

  await app.close();
  await c.close();
  await dropDb?.();
  rmSync(dataDir, { recursive: true, force: true });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
