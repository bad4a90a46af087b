import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '../../src/core/actor.js';
import type { Repository } from '../../src/store/sql/repositories.store.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

const actor: Actor = { username: 'admin', role: 'admin' };

/** Retention over interval-based membership, on fake package rows (no files needed). */
describe('snapshot retention', () => {
  let srv: TestServer;
  let repo: Repository;
  const ids: Record<string, number> = {};

  const members = async (number: number) =>
    (await srv.container.envs.stores.content.members(repo.id, number)).map((m) => m.name).sort();

  const derive = async (names: string[]) => {
    const content = new Map(names.map((n) => [ids[n], 'main']));
    return srv.container.envs.snapshots.derive(actor, repo, content, `test ${names.join(',')}`, async () => undefined);
  };

  beforeAll(async () => {
    srv = await startTestServer();
    repo = (await srv.container.stores.repositories.getByName('noble'))!;
    for (const name of ['ra', 'rb', 'rc', 'rd']) {
      ids[name] = await srv.container.db.transaction().execute((trx) =>
        srv.container.stores.packages.insert(trx, {
          sha256: name.padEnd(64, '0'),
          format: 'deb',
          name,
          version: '1.0',
          arch: 'amd64',
          source: name,
          source_version: '1.0',
          filename: `pool/main/r/${name}/${name}_1.0_amd64.deb`,
          size: 1,
          sha1: '',
          md5: '',
          meta: '{}',
          files: '[]',
          fragment_index: `Package: ${name}\nVersion: 1.0\nArchitecture: amd64\n`,
          fragment_files: '',
          fragment_other: '',
          created_at: new Date().toISOString(),
          uploaded_by: 'test',
        }),
      );
    }
  });
  afterAll(async () => srv?.close());

  it('deletes unpointed snapshots beyond N; kept snapshots keep exactly their content, including re-added packages', async () => {
    await derive(['ra']); // 1
    await derive(['ra', 'rb']); // 2
    await derive(['rb', 'rd']); // 3: ra removed, rd added
    await derive(['ra', 'rb']); // 4: ra re-added (second interval), rd removed: rd lives only in 3
    await derive(['ra']); // 5
    await derive(['ra', 'rc']); // 6 (head)
    await srv.container.envs.environments.point(actor, repo, 'preprod', 2);
    const before = new Map<number, string[]>();
    for (let n = 1; n <= 6; n++) before.set(n, await members(n));
    expect(before.get(3)).toEqual(['rb', 'rd']);

    const r = await srv.container.envs.retention.apply(actor, repo, 1);
    expect(r.deletedSnapshots).toEqual([1, 3, 4]);
    expect(r.deletedIntervals).toBe(1);
    expect(r.deletedPackages).toBe(1);
    expect((await srv.container.envs.stores.content.numbers(repo.id)).sort()).toEqual([2, 5, 6]);
    for (const n of [2, 5, 6]) expect(await members(n)).toEqual(before.get(n));
    expect(await srv.container.stores.packages.findBySha('rd'.padEnd(64, '0'))).toBeUndefined();
    expect(await srv.container.stores.packages.findBySha('ra'.padEnd(64, '0'))).toBeDefined();

    // the next snapshot still derives correctly from the head, and a second pass with N=0 keeps only pointed ones
    const seven = await derive(['rb', 'rc']);
    expect(seven.number).toBe(7);
    expect(await members(7)).toEqual(['rb', 'rc']);
    const again = await srv.container.envs.retention.apply(actor, repo, 0);
    expect(again.deletedSnapshots).toEqual([5, 6]);
    expect(await members(2)).toEqual(['ra', 'rb']);
    expect(await members(7)).toEqual(['rb', 'rc']);
    const audit = await srv.container.db.selectFrom('audit_events' as never).select('detail' as never).where('action' as never, '=', 'SNAPSHOT_CHANGE' as never).execute();
    expect(audit.map((a) => JSON.parse((a as { detail: string }).detail).deleted_snapshots)).toEqual([[1, 3, 4], [5, 6]]);
  });

  it('never deletes a snapshot an environment points at, nor the head', async () => {
    await srv.container.envs.environments.point(actor, repo, 'prod', 7);
    const r = await srv.container.envs.retention.apply(actor, repo, 0);
    expect(r.deletedSnapshots).toEqual([]);
    expect((await srv.container.envs.stores.content.numbers(repo.id)).sort()).toEqual([2, 7]);
  });

  it('garbage collection keeps an unreferenced blob younger than the grace period', async () => {
    const orphan = await srv.container.blobs.putBuffer(Buffer.from('an upload whose row is not written yet'));
    const r = await srv.container.envs.gc.collect();
    expect(await srv.container.blobs.has(orphan.sha256)).toBe(true);
    expect(r.blobs).toBe(0);
  });
});
