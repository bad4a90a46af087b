import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

describe('concurrent uploads to one repository (group commit)', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await startTestServer();
  });
  afterAll(async () => srv?.close());

  const upload = async (distribution: string, name: string, content: Buffer) => {
    const body = multipart({ distribution }, { filename: `${name}.deb`, content });
    return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
  };

  it.skipIf(skipWithout(['dpkg-deb']))('answers every upload, audits each one and publishes them all', async () => {
    const debs = Array.from({ length: 12 }, (_, i) => buildDeb({ name: `burst${i}`, version: '1.0' }));
    const answers = await Promise.all(debs.map((d, i) => upload('noble', `burst${i}`, d)));
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    const bodies = answers.map((a) => a.json());
    expect(bodies.map((b) => b.status)).toEqual(Array(12).fill('accepted'));
    const repo = (await srv.container.stores.repositories.getByName('noble'))!;
    expect(Math.max(...bodies.map((b) => b.snapshot))).toBe(repo.headSnapshot);

    const events = await srv.container.db.selectFrom('audit_events').selectAll().where('action', '=', 'UPLOAD').where('distribution', '=', 'noble').execute();
    expect(events.map((e) => e.package).sort()).toEqual(bodies.map((b) => b.package).sort());
    for (const b of bodies) {
      const e = events.find((x) => x.package === b.package)!;
      expect(JSON.parse(e.detail)).toMatchObject({ sha256: b.sha256, snapshot: b.snapshot });
    }
    const packages = (await srv.app.inject({ url: '/repos/dists/noble/main/binary-amd64/Packages' })).body;
    for (let i = 0; i < 12; i++) expect(packages).toContain(`Package: burst${i}\n`);
  });

  it.skipIf(skipWithout(['dpkg-deb']))('keeps the per-upload verdicts when duplicates and conflicts arrive together', async () => {
    const same = buildDeb({ name: 'twin', version: '1.0' });
    const clash = [buildDeb({ name: 'clash', version: '1.0', salt: 'a' }), buildDeb({ name: 'clash', version: '1.0', salt: 'b' })];
    const fillers = Array.from({ length: 4 }, (_, i) => buildDeb({ name: `fill${i}`, version: '1.0' }));
    const answers = await Promise.all([
      upload('focal', 'twin', same),
      upload('focal', 'twin', same),
      upload('focal', 'clash', clash[0]),
      upload('focal', 'clash', clash[1]),
      ...fillers.map((d, i) => upload('focal', `fill${i}`, d)),
    ]);
    const twins = answers.slice(0, 2).map((a) => a.json().status).sort();
    expect(twins).toEqual(['accepted', 'already_imported']);
    const clashes = answers.slice(2, 4).map((a) => a.statusCode).sort();
    expect(clashes).toEqual([200, 409]);
    expect(answers.slice(2, 4).find((a) => a.statusCode === 409)!.json().code).toBe('DUPLICATE_CONFLICT');
    for (const a of answers.slice(4)) expect(a.json().status).toBe('accepted');
    const events = await srv.container.db.selectFrom('audit_events').select('package').where('action', '=', 'UPLOAD').where('distribution', '=', 'focal').where('result', '=', 'SUCCESS').execute();
    expect(events.map((e) => e.package).sort()).toEqual(['clash', 'fill0', 'fill1', 'fill2', 'fill3', 'twin']);
    // Events written together stay one unbroken chain in id order.
    expect(await srv.container.audit.verify()).toMatchObject({ ok: true, first_broken_id: null });
  });
});
