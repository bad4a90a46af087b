import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packagePurl } from '../../src/formats/sbom/purl.js';
import type { VexDecision, VexFinding } from '../../src/formats/sbom/vex.types.js';
import { VexExportService } from '../../src/security/vex-export.service.js';
import type { VexScope, VexSource } from '../../src/security/vex-source.js';
import { SbomStore } from '../../src/store/sql/sbom.store.js';
import { buildDeb } from '../helpers/build-packages.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';
import { assertValid, validators } from '../formats/sbom/schema-validators.js';

describe.skipIf(skipWithout(['dpkg-deb']))('VEX export over a VexSource', () => {
  let srv: TestServer;
  const scopes: VexScope[] = [];
  const purl = packagePurl({ format: 'deb', vendor: 'ubuntu', name: 'vulnpkg', version: '1.0-1', arch: 'amd64', distribution: 'jammy' });
  const finding: VexFinding = { advisoryId: 'CVE-2026-1234', aliases: ['USN-9999-1'], severity: 'critical', package: { name: 'vulnpkg', version: '1.0-1', arch: 'amd64', purl }, fixedVersion: '1.0-2' };
  const decision: VexDecision = { action: 'upgrade_required', justification: 'fixed upstream', actor: 'maria', at: '2026-01-01T00:00:00.000Z', package: { name: 'vulnpkg', version: '1.0-1' }, targetVersion: '1.0-2' };
  const source: VexSource = {
    findingsFor: async (scope) => {
      scopes.push(scope);
      return [finding];
    },
    decisionsFor: async () => [decision],
  };
  let service: VexExportService;

  beforeAll(async () => {
    srv = await startTestServer();
    const body = multipart({ distribution: 'jammy' }, { filename: 'vulnpkg.deb', content: buildDeb({ name: 'vulnpkg', version: '1.0-1' }) });
    const res = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBe(200);
    const c = srv.container;
    service = new VexExportService({ source, repositories: c.stores.repositories, sbom: new SbomStore(c.db), clock: c.clock, newSerial: randomUUID, toolVersion: '0.1.0' });
  });
  afterAll(async () => srv?.close());

  it('builds a package VEX whose product purl is the SBOM component purl, scoped to the package', async () => {
    const out = await service.packageVex('vulnpkg', '1.0-1', 'amd64', { format: 'openvex', specVersion: '1.6', distribution: 'jammy', baseUrl: 'https://packyard.example' });
    assertValid(validators().openvex, out.document);
    expect(scopes.at(-1)).toEqual({ distribution: 'jammy', package: { name: 'vulnpkg', version: '1.0-1', arch: 'amd64' } });
    expect((out.document.statements as Array<Record<string, unknown>>)[0]).toMatchObject({
      status: 'affected',
      products: [{ '@id': purl }],
      action_statement: 'Upgrade required to 1.0-2 (maria on 2026-01-01T00:00:00.000Z): fixed upstream',
    });
    const sbom = await srv.app.inject({ url: '/sbom/vulnpkg/1.0-1', headers: { authorization: `Bearer ${await srv.token()}` } });
    expect(sbom.json().metadata.component.purl).toBe(purl);
  });

  it('builds a distribution CycloneDX VEX and refuses unknown distributions and packages', async () => {
    const out = await service.distributionVex({ format: 'cyclonedx', specVersion: '1.5', distribution: 'jammy', baseUrl: 'https://packyard.example' });
    assertValid(validators().cdx15, out.document);
    expect(out.contentType).toBe('application/vnd.cyclonedx+json; version=1.5');
    expect(scopes.at(-1)).toEqual({ distribution: 'jammy' });
    await expect(service.distributionVex({ format: 'openvex', specVersion: '1.6', distribution: 'nowhere', baseUrl: 'x:' })).rejects.toMatchObject({ code: 'UNKNOWN_DISTRIBUTION' });
    await expect(service.packageVex('vulnpkg', '9.9', undefined, { format: 'openvex', specVersion: '1.6', baseUrl: 'x:' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
