import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['dpkg-deb']))('POST /upload/ answers in Repod\'s shape', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const upload = async (content: Buffer) => {
    const body = multipart({ distribution: 'jammy' }, { filename: 'monpaquet_1.0.0_amd64.deb', content });
    return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
  };

  it('carries status, the package identity, validation, warnings, dependencies_resolved and message', async () => {
    const deb = buildDeb({ name: 'monpaquet', version: '1.0.0' });
    const res = await upload(deb);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    for (const key of ['status', 'filename', 'format', 'package', 'version', 'arch', 'sha256', 'distribution', 'validation', 'warnings', 'dependencies_resolved', 'message']) {
      expect(body, key).toHaveProperty(key);
    }
    expect(body).toMatchObject({
      status: 'accepted',
      filename: 'monpaquet_1.0.0_amd64.deb',
      format: 'deb',
      package: 'monpaquet',
      version: '1.0.0',
      arch: 'amd64',
      distribution: 'jammy',
      validation: { passed: true, deps_missing: [] },
      warnings: [],
      dependencies_resolved: [],
    });
    expect(['accepted', 'pending_review', 'rejected', 'already_imported']).toContain(body.status);
    expect(body.validation.steps.map((s: { name: string }) => s.name)).toEqual(['extension', 'format', 'architecture', 'conflict']);
    expect(typeof body.message).toBe('string');

    const again = (await upload(deb)).json();
    expect(again).toMatchObject({ status: 'already_imported', sha256: body.sha256, validation: { passed: true } });
  });
});
