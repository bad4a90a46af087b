import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergeContents } from '../../src/formats/apt/contents.js';
import { ContentsPlanner } from '../../src/repo/contents-index.js';
import { ChunkCache, IndexAssembler } from '../../src/repo/index-assembler.js';
import type { FsBlobStore } from '../../src/store/blobs/fs-blob.store.js';
import type { openDatabase } from '../../src/store/db/database.js';
import { type PublicationFile, PublicationsStore } from '../../src/store/sql/publications.store.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';
import { openScratchStore, type ScratchStore } from '../helpers/scratch-store.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const pad = (p: string) => p.padEnd(55, ' ');
const lineFor = (body: string, p: string) => body.split('\n').filter((l) => l.startsWith(`${pad(p)} `));
const paths = (body: string) => body.split('\n').filter(Boolean).map((l) => l.slice(0, l.lastIndexOf(' ')).trimEnd());

describe('Contents with paths shared by several packages', () => {
  let store: ScratchStore;
  let blobs: FsBlobStore;
  let db: ReturnType<typeof openDatabase>;
  let assembler: IndexAssembler;
  const fragments = new Map<number, string>();
  const render = async (ids: number[]) => new Map(ids.map((id) => [id, fragments.get(id) ?? '']));
  const text = async (f: PublicationFile) => gunzipSync(Buffer.concat(await Promise.all(f.parts.map((p) => blobs.readBuffer(p.sha256))))).toString();

  beforeAll(async () => {
    store = await openScratchStore('contents');
    ({ blobs, db } = store);
    assembler = new IndexAssembler(blobs, new PublicationsStore(db), new ChunkCache(1024 * 1024), () => new Date(0).toISOString());
  });
  afterAll(() => store.close());

  it('writes one line per path, listing every package, across chunks and after incremental changes', async () => {
    // 3000 packages (many chunks); every 700th ships a shared file; p10 exists in two versions.
    for (let id = 0; id < 3000; id++) {
      const name = id === 2999 ? 'p10' : `p${id}`;
      const own = [`usr/bin/${name}`, `usr/share/doc/${name}/README`];
      if (id % 700 === 0) own.push('etc/shared.conf');
      fragments.set(id, own.sort().map((p) => `${pad(p)} utils/${name}\n`).join(''));
    }
    const planner = new ContentsPlanner();
    const items = (ids: number[]) => ids.map((id) => ({ id, sha256: sha(`pkg-${id}`) }));
    const build = async (ids: number[]) => {
      const list = items(ids);
      const plan = await planner.plan(assembler.cut(list, 'test-lane'), render);
      return text((await assembler.assemble({ kind: 'contents-test', items: list, lane: 'test-lane', render, xz: false, plan })).gz);
    };
    const expected = (ids: number[]) => mergeContents(ids.map((id) => fragments.get(id)).join(''));
    const sorted = (body: string) => body.split('\n').filter(Boolean).sort();

    const all = Array.from({ length: 3000 }, (_, i) => i);
    const first = await build(all);
    expect(sorted(first)).toEqual(sorted(expected(all)));
    expect(lineFor(first, 'etc/shared.conf')).toEqual([`${pad('etc/shared.conf')} utils/p0,utils/p1400,utils/p2100,utils/p2800,utils/p700`]);
    expect(lineFor(first, 'usr/bin/p10')).toEqual([`${pad('usr/bin/p10')} utils/p10`]);
    expect(new Set(paths(first)).size).toBe(paths(first).length);

    // Incremental: one more package sharing the path, one package removed.
    fragments.set(3000, `${pad('etc/shared.conf')} utils/late\n${pad('usr/bin/late')} utils/late\n`);
    const next = [...all.filter((id) => id !== 700), 3000];
    const second = await build(next);
    expect(sorted(second)).toEqual(sorted(expected(next)));
    expect(lineFor(second, 'etc/shared.conf')).toEqual([`${pad('etc/shared.conf')} utils/late,utils/p0,utils/p1400,utils/p2100,utils/p2800`]);
    expect(new Set(paths(second)).size).toBe(paths(second).length);
  });
});

describe('Contents served after uploads', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const upload = async (deb: Buffer, name: string) => {
    const body = multipart({ distribution: 'jammy' }, { filename: `${name}.deb`, content: deb });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode, res.body).toBe(200);
  };

  it.skipIf(skipWithout(['dpkg-deb']))('merges a path shipped by two packages and by two versions into one line', async () => {
    const shared = { 'usr/share/common/shared.txt': 'same path\n' };
    await upload(buildDeb({ name: 'alpha', version: '1.0', files: shared }), 'alpha1');
    await upload(buildDeb({ name: 'beta', version: '1.0', files: shared }), 'beta');
    await upload(buildDeb({ name: 'alpha', version: '1.1', files: shared }), 'alpha2');
    const res = await srv.app.inject({ url: '/repos/dists/jammy/main/Contents-amd64.gz' });
    expect(res.statusCode).toBe(200);
    const body = gunzipSync(res.rawPayload).toString();
    expect(lineFor(body, 'usr/share/common/shared.txt')).toEqual([`${pad('usr/share/common/shared.txt')} utils/alpha,utils/beta`]);
    expect(lineFor(body, 'usr/bin/alpha')).toEqual([`${pad('usr/bin/alpha')} utils/alpha`]);
    expect(lineFor(body, 'usr/bin/beta')).toEqual([`${pad('usr/bin/beta')} utils/beta`]);
    expect(new Set(paths(body)).size).toBe(paths(body).length);
  });
});
