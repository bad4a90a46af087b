import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthDeb } from '../../bench/synth.js';
import type { TestServer } from '../helpers/app.js';
import { startListeningServer } from '../helpers/http-server.js';
import { debEntries } from '../helpers/roles.js';
import { skipWithout } from '../helpers/tools.js';

function curl(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-sS', ...args], { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout)));
  });
}

describe.skipIf(skipWithout(['curl']))('batch upload with curl, as a CI job writes it', () => {
  let srv: TestServer & { url: string };
  let dir: string;
  beforeAll(async () => {
    srv = await startListeningServer();
    dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-batch-'));
  });
  afterAll(async () => {
    await srv?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uploads 150 debs (more than the imports kept in flight) in one request and serves them all', async () => {
    const names = Array.from({ length: 150 }, (_, i) => `ci${String(i).padStart(3, '0')}`);
    const files = names.map((n) => {
      const file = path.join(dir, `${n}_1.0_amd64.deb`);
      writeFileSync(file, synthDeb(n, '1.0'));
      return file;
    });
    const token = await srv.token();
    const out = await curl(['-H', `Authorization: Bearer ${token}`, ...files.flatMap((f) => ['-F', `file=@${f}`]), `${srv.url}/upload/batch?distribution=noble`]);
    const body = JSON.parse(out);
    expect(body).toMatchObject({ distribution: 'noble', total: 150, accepted: 150, failed: 0 });
    expect(body.results.map((r: { package: string }) => r.package)).toEqual(names);
    expect(new Set(body.results.map((r: { snapshot: number }) => r.snapshot)).size).toBeLessThan(150);
    const served = debEntries(await curl([`${srv.url}/repos/dists/noble/main/binary-amd64/Packages`]));
    expect(served).toEqual(expect.arrayContaining(names.map((n) => `${n} 1.0 amd64`)));
  });
});
