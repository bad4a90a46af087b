import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../shared/fixtures/rpm');

describe.skipIf(skipWithout(['dpkg-deb', 'rpmbuild']))('POST /upload/', () => {
  let srv: TestServer;
  const upload = async (distribution: string, filename: string, content: Buffer, token?: string) => {
    const body = multipart({ distribution }, { filename, content });
    return srv.app.inject({
      method: 'POST',
      url: '/upload/',
      payload: body.payload,
      headers: { ...body.headers, ...(token === '' ? {} : { authorization: `Bearer ${token ?? (await srv.token())}` }) },
    });
  };

  beforeAll(async () => {
    srv = await startTestServer({ MAX_UPLOAD_MB: '1' });
  });
  afterAll(async () => srv?.close());

  it('accepts a .deb into a deb distribution and answers with its identity', async () => {
    const deb = buildDeb({ name: 'hello', version: '1.0-1' });
    const res = await upload('jammy', 'hello_1.0-1_amd64.deb', deb);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'accepted', package: 'hello', version: '1.0-1', arch: 'amd64', format: 'deb', distribution: 'jammy' });
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.snapshot).toBe(1);
  });

  it('answers already_imported for the same bytes and creates no snapshot', async () => {
    const deb = buildDeb({ name: 'twice', version: '1.0' });
    const first = (await upload('jammy', 'twice.deb', deb)).json();
    const again = await upload('jammy', 'twice.deb', deb);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ status: 'already_imported', sha256: first.sha256, snapshot: first.snapshot });
  });

  it('refuses other bytes under the same name, version and arch with 409', async () => {
    await upload('jammy', 'clash.deb', buildDeb({ name: 'clash', version: '2.0', salt: 'a' }));
    const res = await upload('noble', 'clash.deb', buildDeb({ name: 'clash', version: '2.0', salt: 'b' }));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'DUPLICATE_CONFLICT' });
    expect(res.json().existing_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('keeps several versions of one package', async () => {
    expect((await upload('jammy', 'multi.deb', buildDeb({ name: 'multi', version: '1.0' }))).json().status).toBe('accepted');
    expect((await upload('jammy', 'multi.deb', buildDeb({ name: 'multi', version: '1.1' }))).json().status).toBe('accepted');
    const packages = await srv.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages' });
    const versions = [...packages.body.matchAll(/^Package: multi\nVersion: (.*)$/gm)].map((m) => m[1]);
    expect(versions).toEqual(['1.0', '1.1']);
  });

  it('refuses an .rpm to a deb distribution and a .deb to an rpm distribution with 422', async () => {
    const rpm = readFileSync(path.join(FIXTURES, 'bear-4.1-1.noarch.rpm'));
    const a = await upload('jammy', 'bear-4.1-1.noarch.rpm', rpm);
    expect(a.statusCode).toBe(422);
    expect(a.json().code).toBe('FORMAT_MISMATCH');
    const b = await upload('almalinux9', 'x.deb', buildDeb({ name: 'x', version: '1' }));
    expect(b.statusCode).toBe(422);
  });

  it('refuses an unknown distribution with 400 and an unknown extension with 400', async () => {
    const deb = buildDeb({ name: 'nowhere', version: '1' });
    const a = await upload('sid-does-not-exist', 'nowhere.deb', deb);
    expect(a.statusCode).toBe(400);
    expect(a.json().code).toBe('UNKNOWN_DISTRIBUTION');
    const b = await upload('jammy', 'nowhere.tar.gz', deb);
    expect(b.statusCode).toBe(400);
    expect(b.json().code).toBe('UNSUPPORTED_FILE_TYPE');
  });

  it('refuses a file that is not a package with 422 and keeps nothing of it', async () => {
    const res = await upload('jammy', 'fake.deb', Buffer.from('!<arch>\nthis is not a debian package at all'));
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toMatch(/^FORMAT_/);
  });

  it('refuses uploads over MAX_UPLOAD_MB with 413', async () => {
    const res = await upload('jammy', 'big.deb', Buffer.alloc(1024 * 1024 + 10, 1));
    expect(res.statusCode).toBe(413);
    expect(res.json().code).toBe('UPLOAD_TOO_LARGE');
  });

  it('requires a valid bearer token', async () => {
    const deb = buildDeb({ name: 'anon', version: '1' });
    expect((await upload('jammy', 'anon.deb', deb, '')).statusCode).toBe(401);
    expect((await upload('jammy', 'anon.deb', deb, 'not-a-jwt')).statusCode).toBe(401);
  });

  it('accepts an .rpm into an rpm distribution and the same works under /api/v1', async () => {
    const rpm = buildRpm({ name: 'ferret', version: '1.2' });
    const body = multipart({ distribution: 'almalinux9' }, { filename: 'ferret-1.2-1.noarch.rpm', content: rpm });
    const res = await srv.app.inject({
      method: 'POST',
      url: '/api/v1/upload/',
      payload: body.payload,
      headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'accepted', package: 'ferret', version: '1.2-1', arch: 'noarch', format: 'rpm' });
  });

  it('rejects wrong credentials at /auth/token with 401', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'admin', password: 'wrong' } });
    expect(res.statusCode).toBe(401);
    const unknown = await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'nobody', password: 'wrong' } });
    expect(unknown.statusCode).toBe(401);
    expect(unknown.json().code).toBe(res.json().code);
  });
});
