/**
 * npx tsx bench/sbom-export.ts [N]: streams a CycloneDX and an SPDX export of a distribution of N packages
 * (rows written straight into a fresh SQLite database, each with a Depends on its predecessor and 20 files)
 * and reports time, output size and the RSS growth while exporting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createContainer } from '../src/container.js';

const N = Number(process.argv[2] ?? 50_000);
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'packyard-sbom-bench-'));
const c = await createContainer(loadConfig({ DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn', ADMIN_PASSWORD: 'Bench1234!' }), pino({ level: 'warn' }));
try {
  const repo = (await c.stores.repositories.getByName('jammy'))!;
  const name = (i: number) => `pkb${String(i).padStart(6, '0')}`;
  const hex = (i: number, len: number) => createHash('sha256').update(String(i)).digest('hex').slice(0, len);
  for (let start = 0; start < N; start += 1000) {
    await c.db.transaction().execute(async (trx) => {
      for (let i = start; i < Math.min(N, start + 1000); i++) {
        const control: Array<[string, string]> = [['Package', name(i)], ['Version', '1.0-1'], ['Architecture', 'amd64'], ['Maintainer', 'Bench <b@example.org>'], ...(i ? [['Depends', `${name(i - 1)} (>= 1.0), libc6 (>= 2.34)`] as [string, string]] : []), ['Description', `bench ${i}`]];
        const meta = { format: 'deb', name: name(i), version: '1.0-1', arch: 'amd64', source: name(i), sourceVersion: '1.0-1', control, controlCompression: 'xz', dataCompression: 'xz' };
        const files = Array.from({ length: 20 }, (_, f) => ({ path: `/usr/share/${name(i)}/file-${f}`, type: 'file', size: 100, mode: 0o644 }));
        const id = await c.stores.packages.insert(trx, {
          sha256: hex(i, 64), format: 'deb', name: name(i), version: '1.0-1', arch: 'amd64', source: name(i), source_version: '1.0-1',
          filename: `pool/main/p/${name(i)}/${name(i)}_1.0-1_amd64.deb`, size: 1000, sha1: hex(i, 40), md5: hex(i, 32),
          meta: JSON.stringify(meta), files: JSON.stringify(files), fragment_index: '', fragment_files: '', fragment_other: '', created_at: new Date().toISOString(), uploaded_by: 'bench',
        });
        await c.stores.snapshots.addMember(trx, repo.id, id, 'main', 1);
      }
    });
  }
  for (const format of (process.argv[3] ? [process.argv[3]] : ["cyclonedx", "spdx"]) as Array<"cyclonedx" | "spdx">) {
    global.gc?.();
    const before = process.memoryUsage().rss;
    let peak = before;
    let heapPeak = 0;
    let bytes = 0;
    let n = 0;
    const t = performance.now();
    const doc = await c.sbomExport.exportSbom({ format, specVersion: '1.6', distribution: 'jammy', baseUrl: 'https://bench.example' });
    for await (const chunk of doc.chunks) {
      bytes += Buffer.byteLength(chunk);
      peak = Math.max(peak, process.memoryUsage().rss);
      if (++n % 5000 === 0 && global.gc) {
        global.gc();
        heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
      }
    }
    const s = (performance.now() - t) / 1000;
    process.stdout.write(`${format}: ${N} packages, ${(bytes / 1e6).toFixed(1)} MB in ${s.toFixed(1)} s, RSS growth ${((peak - before) / 1e6).toFixed(0)} MB (RSS before ${(before / 1e6).toFixed(0)} MB), peak live heap ${(heapPeak / 1e6).toFixed(0)} MB\n`);
  }
} finally {
  await c.close();
  rmSync(dataDir, { recursive: true, force: true });
}
