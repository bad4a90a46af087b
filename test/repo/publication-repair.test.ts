import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer } from '../../src/container.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('start-up check of the current publications', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  it.skipIf(skipWithout(['dpkg-deb']))('logs an error and republishes a repository whose publication lost blobs', async () => {
    const body = multipart({ distribution: 'jammy' }, { filename: 'repairme.deb', content: buildDeb({ name: 'repairme', version: '1.0' }) });
    const up = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(up.statusCode).toBe(200);
    const before = await srv.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages.xz' });
    expect(before.statusCode).toBe(200);
    const packagesGz = await srv.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages.gz' });
    const file = await srv.container.serve.resolve('dists/jammy/main/binary-amd64/Packages.gz');
    // Lose every blob of Packages.gz, as after a partial restore (chunk blobs live in packs: deleted through the store).
    for (const part of file!.parts) await srv.container.blobs.delete(part.sha256);
    expect(await srv.container.blobs.has(file!.parts[0].sha256)).toBe(false);

    const lines: Array<{ level: number; msg: string; repository?: string }> = [];
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(JSON.parse(String(chunk)));
        cb();
      },
    });
    const restarted = await createContainer(srv.config, pino({ level: 'warn' }, sink));
    try {
      const errors = lines.filter((l) => l.level >= 50);
      expect(errors.map((l) => l.repository)).toEqual(['jammy']);
      expect(errors[0].msg).toMatch(/missing/);
      const repaired = await restarted.serve.resolve('dists/jammy/main/binary-amd64/Packages.gz');
      const bytes = Buffer.concat(await Promise.all(repaired!.parts.map((p) => restarted.blobs.readBuffer(p.sha256))));
      expect(sha256(bytes)).toBe(repaired!.sha256);
      expect(bytes.equals(packagesGz.rawPayload)).toBe(true);
      // A second start finds nothing to repair.
      expect(await restarted.publisher.repairMissingBlobs()).toEqual([]);
    } finally {
      await restarted.close();
    }
  });
});
