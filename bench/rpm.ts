import { copyFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { hasTool, type Measured, REST_MS, sh } from './deb.js';
import { benchBatchIngest, fullPublish, type IngestModes, startServer, upload, uploadAll } from './server.js';
import { synthRpm } from './synth-rpm.js';

export function rpmCorpus(dir: string, n: number): string[] {
  return Array.from({ length: n }, (_, i) => {
    const name = `pkr${String(i).padStart(6, '0')}`;
    const file = path.join(dir, `${name}-1.0-1.x86_64.rpm`);
    writeFileSync(file, synthRpm(name, '1.0'));
    return file;
  });
}

/** What dnf reads: repomd.xml, then the primary it points at; the number of packages listed. */
export async function countPackages(base: string): Promise<number> {
  const tree = `${base}/repos/almalinux9/x86_64`;
  const repomd = await (await fetch(`${tree}/repodata/repomd.xml`)).text();
  const href = /<data type="primary">[\s\S]*?<location href="([^"]+)"/.exec(repomd)![1];
  const primary = gunzipSync(Buffer.from(await (await fetch(`${tree}/${href}`)).arrayBuffer())).toString();
  return (primary.match(/<package type="rpm">/g) ?? []).length;
}

export async function benchPackyardRpm(files: string[], modes: IngestModes): Promise<Measured> {
  const batch = await benchBatchIngest(files, 'almalinux9', modes, countPackages);
  const concurrency = modes.concurrency;
  const srv = await startServer();
  try {
    const t0 = performance.now();
    await uploadAll(srv, 'almalinux9', files, concurrency);
    const seen = await countPackages(srv.base);
    const ingestS = (performance.now() - t0) / 1000;
    if (seen !== files.length) throw new Error(`primary lists ${seen} of ${files.length}`);

    const t1 = performance.now();
    await upload(srv, 'almalinux9', 'pkr-extra-1.0-1.x86_64.rpm', synthRpm('pkr-extra', '1.0'));
    await (await fetch(`${srv.base}/repos/almalinux9/x86_64/repodata/repomd.xml`)).text();
    const addOneS = (performance.now() - t1) / 1000;
    if ((await countPackages(srv.base)) !== files.length + 1) throw new Error('add-one not visible');
    // The same once the repository has been at rest for a moment (a CI job uploading to a quiet server):
    // background work after a publication (rpm: prewarmed hash states) has had its chance.
    await new Promise((r) => setTimeout(r, REST_MS));
    const t2 = performance.now();
    await upload(srv, 'almalinux9', 'pkr-rest-1.0-1.x86_64.rpm', synthRpm('pkr-rest', '1.0'));
    await (await fetch(`${srv.base}/repos/almalinux9/x86_64/repodata/repomd.xml`)).text();
    const addOneRestS = (performance.now() - t2) / 1000;
    const rssMb = srv.peakRssMb();
    await srv.stop();
    const full = await fullPublish(srv.dataDir, 'almalinux9');
    return { ingestS, ...batch, addOneS, addOneRestS, fullS: full.seconds, rssMb, snapshots: full.snapshots };
  } finally {
    srv.cleanup();
  }
}

/** createrepo_c on the same corpus: a full run, then --update after adding one package. */
export function benchCreaterepo(corpusDir: string): { fullS: number; updateS: number } | null {
  if (!hasTool('createrepo_c')) return null;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'createrepo-bench-'));
  try {
    for (const f of readdirSync(corpusDir)) copyFileSync(path.join(corpusDir, f), path.join(dir, f));
    const fullS = sh('createrepo_c -q .', dir);
    writeFileSync(path.join(dir, 'pkr-extra-1.0-1.x86_64.rpm'), synthRpm('pkr-extra', '1.0'));
    const updateS = sh('createrepo_c -q --update .', dir);
    return { fullS, updateS };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
