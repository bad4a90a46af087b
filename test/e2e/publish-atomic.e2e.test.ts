import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { AptSandbox, DnfSandbox, type RunResult } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

const ROUNDS = 12;

/**
 * Clients must never see a mix of old and new metadata: publish repeatedly while apt-get update and
 * dnf makecache run in loops, and require every client run to succeed without hash or checksum errors.
 */
describe.skipIf(skipWithout(['apt-get', 'dnf', 'dpkg-deb', 'rpmbuild']))('publishing while clients refresh', () => {
  let srv: TestServer & { url: string };
  let debs: Buffer[];
  let rpms: Buffer[];

  beforeAll(async () => {
    srv = await startListeningServer();
    debs = Array.from({ length: ROUNDS }, (_, i) => buildDeb({ name: `churn${i}`, version: `1.${i}`, compression: 'gzip' }));
    rpms = Array.from({ length: ROUNDS }, (_, i) => buildRpm({ name: `churn${i}`, version: `1.${i}` }));
  });
  afterAll(async () => srv?.close());

  it('sees zero hash or checksum errors', async () => {
    const token = await srv.token();
    const key = Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer());
    const apt = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos jammy main`, key);
    const dnf = new DnfSandbox(`${srv.url}/repos/almalinux9/$basearch/`, `${srv.url}/repos/key.asc`);
    let publishing = true;
    const runs: Array<{ tool: string; r: RunResult }> = [];

    const clientLoop = async (tool: string, once: () => Promise<RunResult>) => {
      while (publishing) runs.push({ tool, r: await once() });
      runs.push({ tool, r: await once() });
    };
    const loops = [clientLoop('apt', () => apt.apt(['update'])), clientLoop('dnf', () => dnf.dnf(['makecache']))];

    for (let i = 0; i < ROUNDS; i++) {
      const [a, b] = await Promise.all([
        uploadOverHttp(srv.url, token, 'jammy', `churn${i}.deb`, debs[i]),
        uploadOverHttp(srv.url, token, 'almalinux9', `churn${i}.rpm`, rpms[i]),
      ]);
      expect(a.status).toBe(200);
      expect(b.status).toBe(200);
    }
    publishing = false;
    await Promise.all(loops);

    expect(runs.filter((x) => x.tool === 'apt').length).toBeGreaterThan(1);
    expect(runs.filter((x) => x.tool === 'dnf').length).toBeGreaterThan(1);
    for (const { tool, r } of runs) {
      const out = `${r.stdout}\n${r.stderr}`;
      expect(out, tool).not.toMatch(/Hash Sum mismatch|checksum|Checksum|File has unexpected size|BADSIG|Bad signature/);
      expect(r.status, `${tool}: ${out}`).toBe(0);
    }
    // the last refresh saw the final state
    const last = await apt.aptCache(['policy', `churn${ROUNDS - 1}`]);
    expect(last.stdout).toContain(`1.${ROUNDS - 1}`);
  });
});
