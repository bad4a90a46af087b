import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';
import { type Clamd, EICAR, startClamd } from '../security/clamd-fixture.js';

async function upload(srv: TestServer, distribution: string, filename: string, content: Buffer) {
  const body = multipart({ distribution }, { filename, content });
  return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
}

describe.skipIf(skipWithout(['clamd', 'dpkg-deb']))('upload antivirus scan (clamd)', () => {
  let clamd: Clamd;
  let srv: TestServer;
  beforeAll(async () => {
    clamd = await startClamd();
    srv = await startTestServer({ CLAMAV_SOCKET: clamd.socket, CLAMAV_REQUIRED: 'true' });
  }, 60_000);
  afterAll(async () => {
    await srv?.close();
    await clamd?.stop();
  });

  it('accepts a clean package without warnings', async () => {
    const res = await upload(srv, 'jammy', 'clean.deb', buildDeb({ name: 'clean', version: '1.0', compression: 'none' }));
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('accepted');
    expect(res.json().warnings).toEqual([]);
  });

  it('rejects an infected package with 422 MALWARE_FOUND, quarantines the blob and publishes nothing', async () => {
    const res = await upload(srv, 'jammy', 'infected.deb', buildDeb({ name: 'infected', version: '1.0', compression: 'none', salt: EICAR }));
    expect(res.statusCode).toBe(422);
    const body = res.json();
    expect(body).toMatchObject({ code: 'MALWARE_FOUND', status: 'rejected', quarantined: true, malware: 'Packyard.Test.EICAR.UNOFFICIAL', package: 'infected', distribution: 'jammy' });
    expect(await srv.container.blobs.has(body.sha256)).toBe(true);
    const rows = await srv.container.db.selectFrom('packages').select('id').where('sha256', '=', body.sha256).execute();
    expect(rows).toEqual([]);
    const index = await srv.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages' });
    expect(index.body).toContain('Package: clean');
    expect(index.body).not.toContain('Package: infected');
    const audit = await srv.container.db.selectFrom('audit_events').selectAll().where('package', '=', 'infected').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'UPLOAD', result: 'BLOCKED', username: 'admin' });
    expect(JSON.parse(audit[0].detail)).toMatchObject({ code: 'MALWARE_FOUND', quarantined: true, sha256: body.sha256 });
  });
});

describe.skipIf(skipWithout(['dpkg-deb']))('upload with an unreachable clamd', () => {
  it('warns when the scan is optional and answers 503 when it is required', async () => {
    const optional = await startTestServer({ CLAMAV_SOCKET: '/nonexistent/clamd.sock', CLAMAV_TIMEOUT_SECONDS: '2' });
    try {
      const res = await upload(optional, 'jammy', 'avail.deb', buildDeb({ name: 'avail', version: '1' }));
      expect(res.statusCode).toBe(200);
      expect(res.json().status).toBe('accepted');
      expect(res.json().warnings).toEqual([expect.stringMatching(/^antivirus scan skipped: clamd at \/nonexistent\/clamd.sock/)]);
    } finally {
      await optional.close();
    }
    const required = await startTestServer({ CLAMAV_SOCKET: '127.0.0.1:9', CLAMAV_REQUIRED: 'true', CLAMAV_TIMEOUT_SECONDS: '2' });
    try {
      const res = await upload(required, 'jammy', 'blocked.deb', buildDeb({ name: 'blocked', version: '1' }));
      expect(res.statusCode).toBe(503);
      expect(res.json()).toMatchObject({ code: 'ANTIVIRUS_UNAVAILABLE', status: 'rejected', quarantined: false });
      const index = await required.app.inject({ url: '/repos/dists/jammy/main/binary-amd64/Packages' });
      expect(index.body).not.toContain('Package: blocked');
    } finally {
      await required.close();
    }
  }, 60_000);
});
