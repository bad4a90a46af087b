import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb']))('environments, snapshots and API v2 repository routes', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  const debs = {
    a: buildDeb({ name: 'env-a', version: '1.0' }),
    b: buildDeb({ name: 'env-b', version: '1.0' }),
    c: buildDeb({ name: 'env-c', version: '1.0' }),
    d: buildDeb({ name: 'env-d', version: '1.0' }),
    e: buildDeb({ name: 'env-e', version: '1.0' }),
  };
  const upload = async (file: string, content: Buffer) => {
    const body = multipart({ distribution: 'jammy' }, { filename: file, content });
    const r = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, ...auth } });
    expect(r.statusCode, r.body).toBe(200);
    return r.json().snapshot as number;
  };
  const snapshots = async () => (await srv.app.inject({ method: 'GET', url: '/api/v1/repositories/jammy/snapshots', headers: auth })).json() as Array<{ id: number; number: number; environments: string[] }>;
  const names = async (env: string) => {
    const r = await srv.app.inject({ method: 'GET', url: `/repo/deb/jammy/jammy/main/${env}/dists/jammy/main/binary-amd64/Packages` });
    return r.statusCode === 200 ? [...r.body.matchAll(/^Package: (.+)$/gm)].map((m) => m[1]).sort() : r.statusCode;
  };

  beforeAll(async () => {
    srv = await startTestServer({ SNAPSHOT_RETENTION: '1', GC_GRACE_SECONDS: '0', PUBLICATION_GRACE_SECONDS: '0' });
    auth = { authorization: `Bearer ${await srv.token()}` };
    await upload('a.deb', debs.a);
    await upload('b.deb', debs.b);
  });
  afterAll(async () => srv?.close());

  it('lists the default environments and lets an admin define more', async () => {
    const list = await srv.app.inject({ method: 'GET', url: '/api/v1/environments', headers: auth });
    expect(list.json().map((e: { name: string }) => e.name)).toEqual(['preprod', 'prod']);
    const created = await srv.app.inject({ method: 'POST', url: '/api/v1/environments', headers: auth, payload: { name: 'staging', color: '#00ff00' } });
    expect(created.statusCode).toBe(201);
    expect((await srv.app.inject({ method: 'POST', url: '/api/v1/environments', headers: auth, payload: { name: 'staging' } })).statusCode).toBe(409);
    expect((await srv.app.inject({ method: 'POST', url: '/api/v1/environments', headers: auth, payload: { name: 'current' } })).statusCode).toBe(400);
    expect((await srv.app.inject({ method: 'DELETE', url: '/api/v1/environments/staging', headers: auth })).statusCode).toBe(204);
  });

  it('v2 PATCH /environment/<env>/point points the environment named in the URL, audited', async () => {
    const [second, first] = await snapshots();
    const r = await srv.app.inject({ method: 'PATCH', url: '/api/v2/environment/preprod/point?wait=true', headers: auth, payload: { snapshot: first.id } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ rc: 200, return: 200 });
    const envs = (await srv.app.inject({ method: 'GET', url: '/api/v1/repositories/jammy/environments', headers: auth })).json();
    expect(envs.map((e: { environment: string; snapshot: number }) => [e.environment, e.snapshot])).toEqual([
      ['current', second.number],
      ['preprod', first.number],
    ]);
    expect(await names('preprod')).toEqual(['env-a']);
    expect(await names('current')).toEqual(['env-a', 'env-b']);
    expect(await names('prod')).toBe(404);
    const audit = await srv.container.db.selectFrom('audit_events' as never).selectAll().where('action' as never, '=', 'ENVIRONMENT_POINT' as never).execute();
    expect(JSON.parse((audit[0] as { detail: string }).detail)).toMatchObject({ environment: 'preprod', snapshot: first.number });
    const async202 = await srv.app.inject({ method: 'PATCH', url: '/api/v2/environment/prod/point', headers: auth, payload: { snapshot: second.id } });
    expect(async202.statusCode).toBe(202);
    await srv.container.jobs.wait(async202.json()['task-id']);
    expect(await names('prod')).toEqual(['env-a', 'env-b']);
    expect(await names('preprod')).toEqual(['env-a']);
    const missing = await srv.app.inject({ method: 'PATCH', url: '/api/v2/environment/nope/point', headers: auth, payload: { snapshot: second.id } });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ rc: 404, return: 404, message_error: [expect.any(String)] });
  });

  it('v2 upload creates a new snapshot from the given one; the given one is unchanged', async () => {
    const [, first] = await snapshots();
    const body = multipart({ 'ignore-if-exists': 'true' }, { filename: 'c.deb', content: debs.c });
    const r = await srv.app.inject({ method: 'POST', url: `/api/v2/snapshot/${first.id}/upload`, payload: body.payload, headers: { ...body.headers, ...auth } });
    expect(r.statusCode, r.body).toBe(200);
    const res = r.json().results;
    expect(res['Following packages have been uploaded successfully']).toEqual(['c.deb']);
    const newId = res.snapshot_id as number;
    const pk = async (id: number) => ((await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${id}/packages`, headers: auth })).json().results as Array<{ name: string }>).map((p) => p.name).sort();
    expect(await pk(newId)).toEqual(['env-a', 'env-c']);
    expect(await pk(first.id)).toEqual(['env-a']);
    expect(await names('current')).toEqual(['env-a', 'env-c']);
    const again = multipart({}, { filename: 'c.deb', content: debs.c });
    const dup = await srv.app.inject({ method: 'POST', url: `/api/v2/snapshot/${newId}/upload`, payload: again.payload, headers: { ...again.headers, ...auth } });
    expect(dup.statusCode).toBe(409);
    const diff = await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${first.id}/diff/${newId}`, headers: auth });
    expect(diff.json().results.added.map((p: { name: string }) => p.name)).toEqual(['env-c']);
    expect(diff.json().results.removed).toEqual([]);
    const del = await srv.app.inject({ method: 'DELETE', url: `/api/v2/snapshot/${newId}/packages`, headers: auth, payload: { packages: ['env-c_1.0_amd64.deb'] } });
    expect(del.statusCode, del.body).toBe(200);
    expect(await pk(del.json().results.snapshot_id)).toEqual(['env-a']);
    expect(await pk(newId)).toEqual(['env-a', 'env-c']);
  });

  it('v2 upload takes any number of files in any field names', async () => {
    const [head] = await snapshots();
    const boundary = '----pky-multi';
    const part = (field: string, filename: string, content: Buffer) =>
      Buffer.concat([Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\nContent-Type: application/octet-stream\r\n\r\n`), content, Buffer.from('\r\n')]);
    const payload = Buffer.concat([
      part('file', 'm1.deb', buildDeb({ name: 'env-m1', version: '1.0' })),
      part('file1', 'm2.deb', buildDeb({ name: 'env-m2', version: '1.0' })),
      part('file2', 'a-again.deb', debs.a),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="ignore-if-exists"\r\n\r\ntrue\r\n--${boundary}--\r\n`),
    ]);
    const r = await srv.app.inject({ method: 'POST', url: `/api/v2/snapshot/${head.id}/upload`, payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...auth } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().results).toMatchObject({
      'Following packages have been uploaded successfully': ['m1.deb', 'm2.deb'],
      'Following packages already exist and have been ignored': ['a-again.deb'],
      created: true,
    });
    const pk = (await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${r.json().results.snapshot_id}/packages`, headers: auth })).json().results as Array<{ name: string }>;
    expect(pk.map((p) => p.name).sort()).toEqual(['env-a', 'env-m1', 'env-m2']);
    // back to the previous content, as a new snapshot, so the later tests see the same package set
    const del = await srv.app.inject({ method: 'DELETE', url: `/api/v2/snapshot/${r.json().results.snapshot_id}/packages`, headers: auth, payload: { packages: ['env-m1_1.0_amd64.deb', 'env-m2_1.0_amd64.deb'] } });
    expect(del.statusCode).toBe(200);
    const bad = await srv.app.inject({ method: 'DELETE', url: `/api/v2/snapshot/${head.id}/packages`, headers: auth, payload: { packages: ['nope.deb'] } });
    expect(bad.statusCode).toBe(404);
  });

  it('v2 rebuild answers 202 with a task id; the task is readable through /tasks and /task/<id>', async () => {
    const [head] = await snapshots();
    const r = await srv.app.inject({ method: 'PUT', url: `/api/v2/snapshot/${head.id}/rebuild`, headers: auth, payload: {} });
    expect(r.statusCode).toBe(202);
    const id = r.json()['task-id'];
    expect((await srv.container.jobs.wait(id)).state).toBe('succeeded');
    const task = await srv.app.inject({ method: 'GET', url: `/api/v2/task/${id}`, headers: auth });
    expect(task.json().results).toMatchObject({ Id: id, Status: 'done' });
    const tasks = await srv.app.inject({ method: 'GET', url: '/api/v2/tasks', headers: auth });
    expect(tasks.json().results.some((t: { Id: number }) => t.Id === id)).toBe(true);
    const repos = await srv.app.inject({ method: 'GET', url: '/api/v2/repo', headers: auth });
    const jammy = repos.json().results.find((x: { Name: string }) => x.Name === 'jammy');
    const snaps = await srv.app.inject({ method: 'GET', url: `/api/v2/repo/${jammy.Id}`, headers: auth });
    expect(snaps.json().results[0]).toMatchObject({ Id: head.id, Environments: 'current' });
  });

  it('retention keeps pointed snapshots plus the newest N others, without changing their content; GC removes orphans', async () => {
    await upload('d.deb', debs.d);
    await upload('e.deb', debs.e);
    const before = await snapshots();
    expect(before.filter((s) => s.environments.length === 0).length).toBe(5);
    const contents = new Map<number, string[]>();
    for (const s of before) contents.set(s.id, ((await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${s.id}/packages`, headers: auth })).json().results as Array<{ name: string }>).map((p) => p.name).sort());
    const shaOf = async (name: string) => (await srv.container.stores.packages.findByIdentity('deb', name, '1.0', 'amd64'))[0].sha256;
    const [shaA, shaC] = [await shaOf('env-a'), await shaOf('env-c')];
    expect(await srv.container.blobs.has(shaC)).toBe(true);
    const r = await srv.app.inject({ method: 'POST', url: '/api/v1/snapshots/retention', headers: auth });
    expect(r.statusCode).toBe(202);
    const job = await srv.container.jobs.wait(r.json().job_id);
    expect(job.state, job.error).toBe('succeeded');
    const after = await snapshots();
    const pointed = before.filter((s) => s.environments.length > 0).map((s) => s.id);
    const unpointed = before.filter((s) => s.environments.length === 0).map((s) => s.id);
    expect(after.map((s) => s.id).sort()).toEqual([...pointed, unpointed[0]].sort());
    for (const s of after) {
      const now = ((await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${s.id}/packages`, headers: auth })).json().results as Array<{ name: string }>).map((p) => p.name).sort();
      expect(now).toEqual(contents.get(s.id));
    }
    expect(await names('preprod')).toEqual(['env-a']);
    expect(await names('prod')).toEqual(['env-a', 'env-b']);
    expect(await names('current')).toEqual(['env-a', 'env-d', 'env-e']);
    const gc = job.result as { gc: { publications: number; blobs: number } };
    expect(gc.gc.publications).toBeGreaterThan(0);
    expect(gc.gc.blobs).toBeGreaterThan(0);
    // env-c's package was only in deleted snapshots: its row and its blob are gone
    const c = await srv.container.stores.packages.findByIdentity('deb', 'env-c', '1.0', 'amd64');
    expect(c).toEqual([]);
    expect(await srv.container.blobs.has(shaC)).toBe(false);
    expect(await srv.container.blobs.has(shaA)).toBe(true);
    const pool = await srv.app.inject({ method: 'GET', url: '/repo/deb/jammy/jammy/main/preprod/pool/main/e/env-a/env-a_1.0_amd64.deb' });
    expect(pool.statusCode).toBe(200);
    const apt = await srv.app.inject({ method: 'GET', url: '/repo/deb/jammy/jammy/main/prod/dists/jammy/InRelease' });
    expect(apt.statusCode).toBe(200);
  });
});
