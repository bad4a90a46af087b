import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { AptSandbox } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

const feed = (id: string, cve: string, events: object[], severity: string) => ({
  id,
  aliases: [cve],
  severity: [{ type: 'Ubuntu', score: severity }],
  affected: [{ package: { ecosystem: 'Ubuntu:22.04:LTS', name: 'pkyvuln' }, ranges: [{ type: 'ECOSYSTEM', events }] }],
});

/** What a security team does, with curl as the docs show and apt-get as clients run it. */
describe.skipIf(skipWithout(['apt-get', 'dpkg-deb', 'gpgv']))('apt-get sees a vulnerable package only after a justified approval', () => {
  let srv: TestServer & { url: string };
  let token: string;
  let apt: AptSandbox;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${srv.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const importFeed = async (records: unknown, name: string) => {
    const form = new FormData();
    form.append('format', 'osv');
    form.append('file', new Blob([JSON.stringify(records)]), name);
    const res = await fetch(`${srv.url}/api/v1/security/feeds/import?wait=true`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
    const body = (await res.json()) as { status: string };
    expect(body.status).toBe('succeeded');
  };
  const installable = async () => {
    const up = await apt.apt(['update']);
    expect(up.status, up.stdout + up.stderr).toBe(0);
    const r = await apt.apt(['install', '--download-only', 'pkyvuln']);
    return r.status === 0 && readdirSync(path.join(apt.dir, 'cache/archives')).includes('pkyvuln_2.0-1_amd64.deb');
  };

  beforeAll(async () => {
    srv = await startListeningServer();
    token = await srv.token();
    const key = Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer());
    apt = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos jammy main`, key);
  });
  afterAll(async () => srv?.close());

  it('holds, approves, then withdraws on a new critical advisory', async () => {
    await importFeed([feed('USN-7-1', 'CVE-2026-7000', [{ introduced: '0' }, { fixed: '2.0-2' }], 'high')], 'usn.json');
    const up = await uploadOverHttp(srv.url, token, 'jammy', 'pkyvuln_2.0-1_amd64.deb', buildDeb({ name: 'pkyvuln', version: '2.0-1' }));
    expect(up.body).toMatchObject({ status: 'pending_review' });
    expect(await installable()).toBe(false);

    const decided = await api('POST', '/security/packages/pkyvuln/2.0-1/decide', { decision: 'approve', justification: 'CVE-2026-7000 needs a local account we do not have' });
    expect(decided.status).toBe(200);
    expect(await installable()).toBe(true);

    await importFeed([feed('USN-7-2', 'CVE-2026-7001', [{ introduced: '1.0' }, { last_affected: '2.0-1' }], 'critical')], 'usn2.json');
    apt = new AptSandbox(`deb [signed-by=KEYRING] ${srv.url}/repos jammy main`, Buffer.from(await (await fetch(`${srv.url}/repos/key.gpg`)).arrayBuffer()));
    expect(await installable()).toBe(false);

    const audit = await srv.container.db.selectFrom('audit_events').select(['action', 'result']).where('package', '=', 'pkyvuln').orderBy('id').execute();
    expect(audit.map((a) => `${a.action}:${a.result}`)).toEqual(['UPLOAD:PENDING', 'DECISION:SUCCESS', 'QUARANTINE:BLOCKED']);
  });
});
