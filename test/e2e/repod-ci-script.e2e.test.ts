import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { startListeningServer } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

/** Repod's documented CI/CD example, byte for byte as published (API reference, "Exemple CI/CD complet"). */
const SCRIPT = path.resolve(import.meta.dirname, '../fixtures/publish-package.sh');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the script unmodified, asynchronously (the server answers from this same process). */
function runScript(cwd: string, env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT], { cwd, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

describe.skipIf(skipWithout(['bash', 'curl', 'jq', 'dpkg-deb']))("Repod's publish-package.sh against a running Packyard", () => {
  let srv: Awaited<ReturnType<typeof startListeningServer>>;
  let work: string;
  let deb: Buffer;

  beforeAll(async () => {
    srv = await startListeningServer();
    work = mkdtempSync(path.join(os.tmpdir(), 'packyard-ci-'));
    mkdirSync(path.join(work, 'dist'));
    deb = buildDeb({ name: 'monpaquet', version: '1.0.0' });
    writeFileSync(path.join(work, 'dist', 'monpaquet_1.0.0_amd64.deb'), deb);
  });
  afterAll(async () => {
    await srv?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('logs in, uploads the .deb to jammy and prints the answer through jq', async () => {
    const run = await runScript(work, { REPOD_URL: srv.url, REPOD_USER: ADMIN.username, REPOD_PASSWORD: ADMIN.password });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    // `jq .` pretty-prints: two-space indentation, one key per line
    expect(run.stdout.startsWith('{\n  "')).toBe(true);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({
      status: 'accepted',
      package: 'monpaquet',
      version: '1.0.0',
      arch: 'amd64',
      format: 'deb',
      distribution: 'jammy',
      filename: 'monpaquet_1.0.0_amd64.deb',
    });
    expect(body.sha256).toBe(createHash('sha256').update(deb).digest('hex'));
    const packages = await fetch(`${srv.url}/repos/dists/jammy/main/binary-amd64/Packages`).then((r) => r.text());
    expect(packages).toMatch(/^Package: monpaquet\nVersion: 1\.0\.0$/m);
    const audit = await srv.container.db.selectFrom('audit_events').select(['action', 'result', 'package', 'username']).where('package', '=', 'monpaquet').execute();
    expect(audit).toEqual([{ action: 'UPLOAD', result: 'SUCCESS', package: 'monpaquet', username: 'admin' }]);
  });

  it('runs again in the same pipeline with the same file: already_imported, exit 0', async () => {
    const run = await runScript(work, { REPOD_URL: srv.url, REPOD_USER: ADMIN.username, REPOD_PASSWORD: ADMIN.password });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'already_imported', package: 'monpaquet' });
  });

  it('works with the /api/v1 base URL that Repod CI examples also use', async () => {
    const run = await runScript(work, { REPOD_URL: `${srv.url}/api/v1`, REPOD_USER: ADMIN.username, REPOD_PASSWORD: ADMIN.password });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'already_imported', distribution: 'jammy' });
  });

  it('fails the pipeline (non-zero exit, nothing uploaded) when the password is wrong', async () => {
    const before = await srv.container.db.selectFrom('packages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const run = await runScript(work, { REPOD_URL: srv.url, REPOD_USER: ADMIN.username, REPOD_PASSWORD: 'wrong-password' });
    expect(run.code).not.toBe(0);
    expect(run.stdout).toBe('');
    const after = await srv.container.db.selectFrom('packages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});
