/**
 * After a build, the publisher asks for a full garbage collection (memory-trim.ts), which takes 50-100 ms at
 * 50k packages. It must not hold up what waits for the build (the reader's answer), and must not run while
 * the next build does (an upload right after).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AssembleInput, IndexAssembler } from '../../src/repo/index-assembler.js';
import type { MemoryTrimmer } from '../../src/repo/memory-trim.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb']))('garbage collection after a publication', () => {
  let srv: TestServer;
  let building = 0;
  let slowBuildMs = 0;
  const trims: Array<{ at: number; duringBuild: boolean }> = [];

  beforeAll(async () => {
    srv = await startTestServer();
    const deps = (srv.container.publisher as unknown as { deps: { assembler: IndexAssembler; trimMemory?: MemoryTrimmer } }).deps;
    deps.trimMemory = { afterWork: () => void trims.push({ at: performance.now(), duringBuild: building > 0 }), built: () => undefined };
    const assemble = deps.assembler.assemble.bind(deps.assembler);
    deps.assembler.assemble = async (input: AssembleInput) => {
      building++;
      try {
        if (slowBuildMs) await new Promise((r) => setTimeout(r, slowBuildMs));
        return await assemble(input);
      } finally {
        building--;
      }
    };
  });
  afterAll(async () => srv?.close());

  const upload = async (name: string) => {
    const body = multipart({ distribution: 'jammy' }, { filename: `${name}_1.0_amd64.deb`, content: buildDeb({ name, version: '1.0' }) });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBe(200);
  };
  const read = async () => (await srv.app.inject({ url: '/repos/dists/jammy/InRelease' })).statusCode;

  it('collects shortly after the reader is answered, never before the answer nor during the next build', async () => {
    // The first start publishes every default repository; its collections are not what this test is about.
    await new Promise((r) => setTimeout(r, 500));
    trims.length = 0;
    await upload('trim-one');
    expect(await read()).toBe(200);
    const answered = performance.now();
    expect(trims).toHaveLength(0); // not in the turns that serve the waiting reader
    await new Promise((r) => setTimeout(r, 400));
    expect(trims).toHaveLength(1);
    expect(trims[0].at).toBeGreaterThan(answered);

    // The next upload's build runs when the first build's collection would be due: it is skipped, and the
    // collection follows that build instead.
    trims.length = 0;
    slowBuildMs = 300;
    await upload('trim-two');
    await new Promise((r) => setTimeout(r, 10));
    await upload('trim-three');
    expect(await read()).toBe(200);
    slowBuildMs = 0;
    await new Promise((r) => setTimeout(r, 2500));
    expect(trims.length).toBeGreaterThanOrEqual(1);
    expect(trims.filter((t) => t.duringBuild)).toEqual([]);
  });
});
