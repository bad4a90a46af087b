import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildRpm } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['rpmbuild']))('v2 snapshot upload: overwrite replaces a same-NEVRA rpm in a new snapshot', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  const first = buildRpm({ name: 'pky-ow', version: '1.0', arch: 'x86_64', salt: 'one' });
  const second = buildRpm({ name: 'pky-ow', version: '1.0', arch: 'x86_64', salt: 'two' });
  const put = (id: number, fields: Record<string, string>, content: Buffer) => {
    const body = multipart(fields, { filename: 'pky-ow-1.0-1.x86_64.rpm', content });
    return srv.app.inject({ method: 'POST', url: `/api/v2/snapshot/${id}/upload`, payload: body.payload, headers: { ...body.headers, ...auth } });
  };
  const shas = async (id: number) => ((await srv.app.inject({ method: 'GET', url: `/api/v2/snapshot/${id}/packages`, headers: auth })).json().results as Array<{ sha256: string }>).map((p) => p.sha256);

  beforeAll(async () => {
    srv = await startTestServer();
    auth = { authorization: `Bearer ${await srv.token()}` };
    const body = multipart({ distribution: 'almalinux9' }, { filename: 'a.rpm', content: first });
    expect((await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, ...auth } })).statusCode).toBe(200);
  });
  afterAll(async () => srv?.close());

  it('refuses without a flag, ignores with ignore-if-exists, replaces with overwrite', async () => {
    const [snap] = (await srv.app.inject({ method: 'GET', url: '/api/v1/repositories/almalinux9/snapshots', headers: auth })).json();
    const original = await shas(snap.id);
    const refused = await put(snap.id, {}, second);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ rc: 409, code: 'PACKAGE_EXISTS' });
    const ignored = await put(snap.id, { 'ignore-if-exists': 'true' }, second);
    expect(ignored.json().results).toMatchObject({ created: false, snapshot_id: snap.id, 'Following packages already exist and have been ignored': ['pky-ow-1.0-1.x86_64.rpm'] });
    const replaced = await put(snap.id, { overwrite: 'true' }, second);
    expect(replaced.statusCode, replaced.body).toBe(200);
    const newId = replaced.json().results.snapshot_id;
    expect(newId).not.toBe(snap.id);
    const now = await shas(newId);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(original[0]);
    expect(await shas(snap.id)).toEqual(original);
    // current serves the replacement's bytes
    const file = await srv.app.inject({ method: 'GET', url: '/repo/rpm/almalinux9/9/current/x86_64/Packages/pky-ow-1.0-1.x86_64.rpm' });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(second)).toBe(true);
  });
});
