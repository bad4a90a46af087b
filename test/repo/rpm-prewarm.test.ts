/**
 * Prewarming the next rpm publication (hash states for the package count one more upload gives) must never
 * change what is published: every repomd.xml still lists the exact checksums of the files served, whether the
 * prewarm finished or was cut short by an upload.
 */
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssembleInput, IndexAssembler } from '../../src/repo/index-assembler.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildRpm } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.skipIf(skipWithout(['rpmbuild']))('prewarmed rpm publications', () => {
  let srv: TestServer;
  const prewarms: Array<{ head: string; outcome: 'done' | 'aborted' | 'running' }> = [];
  let duringPrewarm: ((signal: AbortSignal) => Promise<void>) | null = null;

  beforeAll(async () => {
    srv = await startTestServer();
    const assembler = (srv.container.publisher as unknown as { deps: { assembler: IndexAssembler } }).deps.assembler;
    const assemble = assembler.assemble.bind(assembler);
    assembler.assemble = async (input: AssembleInput) => {
      if (!input.signal) return assemble(input);
      const entry = { head: input.head ?? '', outcome: 'running' as 'done' | 'aborted' | 'running' };
      prewarms.push(entry);
      const hook = duringPrewarm;
      duringPrewarm = null;
      if (hook) await hook(input.signal);
      try {
        const out = await assemble(input);
        entry.outcome = 'done';
        return out;
      } catch (err) {
        entry.outcome = input.signal.aborted ? 'aborted' : 'running';
        throw err;
      }
    };
  });
  afterAll(async () => srv?.close());

  const upload = async (n: number) => {
    const body = multipart({ distribution: 'almalinux9' }, { filename: `warm${n}-1.0-1.noarch.rpm`, content: buildRpm({ name: `warm${n}`, version: '1.0' }) });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBe(200);
  };

  /** What dnf checks: repomd's checksum and open-checksum of primary against the bytes served. */
  const servedPrimary = async () => {
    const repomd = (await srv.app.inject({ url: '/repos/almalinux9/x86_64/repodata/repomd.xml' })).body;
    const block = /<data type="primary">([\s\S]*?)<\/data>/.exec(repomd)![1];
    const checksum = /<checksum type="sha256">([0-9a-f]+)</.exec(block)![1];
    const open = /<open-checksum type="sha256">([0-9a-f]+)</.exec(block)![1];
    const href = /<location href="([^"]+)"/.exec(block)![1];
    const gz = (await srv.app.inject({ url: `/repos/almalinux9/x86_64/${href}` })).rawPayload;
    const xml = gunzipSync(gz);
    expect(sha256(gz)).toBe(checksum);
    expect(sha256(xml)).toBe(open);
    return Number(/packages="(\d+)"/.exec(xml.toString())![1]);
  };

  const settled = async (what: () => boolean) => {
    for (let i = 0; i < 200 && !what(); i++) await new Promise((r) => setTimeout(r, 25));
    expect(what()).toBe(true);
  };

  it('prepares the count of the next upload once idle, and the next publication is exact', async () => {
    for (const n of [1, 2, 3]) await upload(n);
    expect(await servedPrimary()).toBe(3);
    await settled(() => prewarms.some((p) => p.head.includes('packages="4"') && p.outcome === 'done'));
    await upload(4);
    expect(await servedPrimary()).toBe(4);
  });

  it('stops prewarming when an upload arrives, and publishes that upload exactly', async () => {
    await settled(() => prewarms.some((p) => p.head.includes('packages="5"')));
    await settled(() => prewarms.every((p) => p.outcome !== 'running'));
    // The next prewarm (for 6) is held at its start until the sixth upload, sent then, has aborted it.
    let racing: Promise<void> | null = null;
    duringPrewarm = async (signal) => {
      racing = upload(6);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    };
    await upload(5);
    await settled(() => racing !== null);
    await racing;
    expect(await servedPrimary()).toBe(6);
    await settled(() => prewarms.every((p) => p.outcome !== 'running'));
    expect(prewarms.filter((p) => p.head.includes('packages="6"')).map((p) => p.outcome)).toContain('aborted');
  });
});
