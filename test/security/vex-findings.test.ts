import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';
import { assertValid, validators } from '../formats/sbom/schema-validators.js';

const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N';
const feed = [
  {
    schema_version: '1.6.0',
    id: 'USN-9-1',
    aliases: ['CVE-2026-0900'],
    modified: '2026-01-01T00:00:00Z',
    summary: 'vexsrc vulnerability',
    severity: [{ type: 'CVSS_V3', score: HIGH }],
    affected: [{ package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'vexsrc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.0-1' }] }] }],
  },
];

describe.skipIf(skipWithout(['dpkg-deb']))('VEX exports carry the security findings and decisions', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  beforeAll(async () => {
    srv = await startTestServer();
    auth = { authorization: `Bearer ${await srv.token()}` };
    const f = multipart({ format: 'osv' }, { filename: 'feed.json', content: Buffer.from(JSON.stringify(feed)) });
    expect((await srv.app.inject({ method: 'POST', url: '/security/feeds/import?wait=true', payload: f.payload, headers: { ...f.headers, ...auth } })).statusCode).toBe(200);
    const u = multipart({ distribution: 'jammy' }, { filename: 'vexbin_1.0-1_amd64.deb', content: buildDeb({ name: 'vexbin', source: 'vexsrc (1.0-1)', version: '1.0-1' }) });
    const up = await srv.app.inject({ method: 'POST', url: '/upload/', payload: u.payload, headers: { ...u.headers, ...auth } });
    expect(up.json().status).toBe('pending_review');
  });
  afterAll(async () => srv?.close());

  it('reports an undecided finding as under investigation', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/security/vex?format=openvex&distribution=jammy', headers: auth });
    expect(res.statusCode, res.body).toBe(200);
    const doc = res.json();
    assertValid(validators().openvex, doc);
    expect(doc.statements).toHaveLength(1);
    expect(doc.statements[0].status).toBe('under_investigation');
    expect(JSON.stringify(doc.statements[0].vulnerability)).toContain('USN-9-1');
    expect(doc.statements[0].products[0]['@id']).toContain('pkg:deb/ubuntu/vexbin@1.0-1');
  });

  it('turns an approval with justification into not_affected, in OpenVEX and CycloneDX', async () => {
    const decide = await srv.app.inject({ method: 'POST', url: '/security/packages/vexbin/1.0-1/decide', headers: auth, payload: { decision: 'approve', justification: 'the vulnerable code path is not built' } });
    expect(decide.statusCode, decide.body).toBe(200);
    const open = (await srv.app.inject({ method: 'GET', url: '/security/packages/vexbin/1.0-1/vex?format=openvex', headers: auth })).json();
    assertValid(validators().openvex, open);
    expect(open.statements[0]).toMatchObject({ status: 'not_affected' });
    expect(open.statements[0].impact_statement).toContain('not built');
    const cdx = await srv.app.inject({ method: 'GET', url: '/security/vex?format=cyclonedx', headers: auth });
    const doc = cdx.json();
    assertValid(validators().cdx16, doc);
    const vuln = doc.vulnerabilities.find((v: { id: string }) => v.id === 'USN-9-1' || v.id === 'CVE-2026-0900');
    expect(vuln.analysis.state).toBe('not_affected');
  });
});
