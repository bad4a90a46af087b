import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';
import { assertValid, validators } from '../formats/sbom/schema-validators.js';

describe.skipIf(skipWithout(['dpkg-deb', 'rpmbuild']))('SBOM and VEX routes', () => {
  let srv: TestServer;
  let readerToken: string;
  let auditorToken: string;
  const get = async (url: string, token?: string) =>
    srv.app.inject({ url, headers: { authorization: `Bearer ${token ?? (await srv.token())}` } });
  const upload = async (distribution: string, filename: string, content: Buffer) => {
    const body = multipart({ distribution }, { filename, content });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBe(200);
  };
  const userToken = async (username: string, role: string) => {
    const { users } = srv.container.stores;
    await users.create({ username, passwordHash: await srv.container.auth.hashPassword('Passw0rd!x'), role, createdAt: new Date().toISOString() });
    return (await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username, password: 'Passw0rd!x' } })).json().access_token as string;
  };

  beforeAll(async () => {
    srv = await startTestServer();
    await upload('jammy', 'app.deb', buildDeb({ name: 'app', version: '1:1.0+dfsg-1', depends: 'libfoo (>= 1.0), libmissing | libbar' }));
    await upload('jammy', 'libfoo.deb', buildDeb({ name: 'libfoo', version: '1.2', depends: 'libbase' }));
    await upload('jammy', 'libbase.deb', buildDeb({ name: 'libbase', version: '0.1', arch: 'all' }));
    await upload('jammy', 'other.deb', buildDeb({ name: 'other', version: '9' }));
    await upload('almalinux9', 'tool.rpm', buildRpm({ name: 'tool', version: '2.0', requires: 'toollib >= 1.0' }));
    await upload('almalinux9', 'toollib.rpm', buildRpm({ name: 'toollib', version: '1.5' }));
    readerToken = await userToken('rita', 'reader');
    auditorToken = await userToken('audrey', 'auditor');
  }, 120_000);
  afterAll(async () => srv?.close());

  it('exports one deb with its dependency closure as CycloneDX 1.6', async () => {
    const res = await get('/sbom/app/1:1.0+dfsg-1?format=cyclonedx', auditorToken);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/vnd.cyclonedx+json');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="app_1_1\.0\+dfsg-1_amd64\.cdx\.json"/);
    const doc = res.json();
    assertValid(validators().cdx16, doc);
    expect(doc.metadata.component.purl).toBe('pkg:deb/ubuntu/app@1:1.0%2Bdfsg-1?arch=amd64&distro=jammy');
    expect(doc.components.map((c: { name: string }) => c.name).sort()).toEqual(['libbase', 'libfoo']);
    const refs = Object.fromEntries(doc.dependencies.map((d: { ref: string; dependsOn: string[] }) => [d.ref.split('@')[0], d.dependsOn]));
    expect(refs['pkg:deb/ubuntu/app']).toEqual(['pkg:deb/ubuntu/libfoo@1.2?arch=amd64&distro=jammy']);
    expect(refs['pkg:deb/ubuntu/libfoo']).toEqual(['pkg:deb/ubuntu/libbase@0.1?arch=all&distro=jammy']);
    expect(doc.metadata.component.evidence.occurrences).toContainEqual({ location: '/usr/bin/app' });
    expect(doc.metadata.component.hashes[0].alg).toBe('SHA-256');
  });

  it('answers CycloneDX 1.5 on request and under /api/v1', async () => {
    const res = await get('/api/v1/sbom/tool/2.0-1?spec_version=1.5');
    expect(res.statusCode).toBe(200);
    const doc = res.json();
    assertValid(validators().cdx15, doc);
    expect(doc.specVersion).toBe('1.5');
    expect(doc.metadata.component.licenses).toEqual([{ license: { id: 'MIT' } }]);
    expect(doc.components.map((c: { purl: string }) => c.purl)).toEqual(['pkg:rpm/almalinux/toollib@1.5-1?arch=noarch&distro=almalinux9']);
  });

  it('exports one package as SPDX 2.3', async () => {
    const res = await get('/sbom/app/1:1.0+dfsg-1?format=spdx');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/spdx+json');
    const doc = res.json();
    assertValid(validators().spdx23, doc);
    expect(doc.packages).toHaveLength(3);
    expect(doc.relationships.filter((r: { relationshipType: string }) => r.relationshipType === 'DEPENDS_ON')).toHaveLength(2);
    expect(doc.packages[0].licenseDeclared).toBe('NOASSERTION');
  });

  it('exports a whole distribution and everything', async () => {
    const jammy = (await get('/sbom/export?format=cyclonedx&distribution=jammy')).json();
    assertValid(validators().cdx16, jammy);
    expect(jammy.components.map((c: { name: string }) => c.name).sort()).toEqual(['app', 'libbase', 'libfoo', 'other']);
    const all = await get('/sbom/export?format=spdx');
    expect(all.headers['content-disposition']).toMatch(/filename="sbom-\d{8}T\d{6}\.spdx\.json"/);
    const doc = all.json();
    assertValid(validators().spdx23, doc);
    expect(doc.packages.map((p: { name: string }) => p.name).sort()).toEqual(['app', 'libbase', 'libfoo', 'other', 'tool', 'toollib']);
  });

  it('answers 404 for an unknown package, 400 for an unknown distribution, 403 for a reader', async () => {
    expect((await get('/sbom/nope/1.0')).statusCode).toBe(404);
    expect((await get('/sbom/app/1:1.0+dfsg-1?distribution=noble')).statusCode).toBe(404);
    expect((await get('/sbom/export?distribution=nowhere')).json().code).toBe('UNKNOWN_DISTRIBUTION');
    expect((await get('/sbom/export', readerToken)).statusCode).toBe(403);
    expect((await srv.app.inject({ url: '/sbom/export' })).statusCode).toBe(401);
  });

  it('serves empty but valid VEX documents while no findings exist', async () => {
    const cdx = await get('/security/vex?format=cyclonedx&distribution=jammy', auditorToken);
    expect(cdx.statusCode).toBe(200);
    assertValid(validators().cdx16, cdx.json());
    expect(cdx.json().vulnerabilities).toEqual([]);
    const open = await get('/security/packages/app/1:1.0+dfsg-1/vex?format=openvex');
    expect(open.statusCode).toBe(200);
    expect(open.json()).toMatchObject({ '@context': 'https://openvex.dev/ns/v0.2.0', author: 'Packyard', statements: [] });
    expect((await get('/security/packages/nope/1/vex')).statusCode).toBe(404);
    expect((await get('/security/vex', readerToken)).statusCode).toBe(403);
  });
});
