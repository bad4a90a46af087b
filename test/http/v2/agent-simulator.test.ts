import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/core/hash.js';
import { startTestServer, type TestServer } from '../../helpers/app.js';

// The calls of the Repomanager API documentation (wiki page "10. API"), replayed byte for byte.
const DOC_STATUS =
  '{"hostname":"myfqdn.localhost","os":"ubuntu","os_version":"22.04","os_family":"Debian","type":"Bare metal","kernel":"5.15.0-89-generic","arch":"x86_64","profile":"PC","env":"prod","agent_status":"running","linupdate_version":"2.2.2","reboot_required":"false"}';
const DOC_INSTALLED = '{"installed_packages":"accountsservice|22.07.5-2ubuntu1.4,acl|2.3.1-1,acpi-support|0.144,acpid|1:2.0.33-1ubuntu1,add-apt-key|1.0-0.5,adduser, etc..."}';
const DOC_AVAILABLE =
  '{"available_packages":"apparmor|3.0.4-2ubuntu2.3,libapparmor1|3.0.4-2ubuntu2.3,libapparmor1:i386|3.0.4-2ubuntu2.3,libgd3|2.3.3-9+ubuntu22.04.1+deb.sury.org+1,libgd3:i386|2.3.3-6+ubuntu22.04.1+deb.sury.org+1,lintian|2.114.0ubuntu1.3"}';
const DOC_EVENTS = `
{
"events": [
{
"date_start": "2022-11-01",
"date_end": "2022-11-01",
"time_start": "12:47:30",
"time_end": "12:47:57",
"command": "/usr/bin/apt upgrade",
"upgraded": [
{
"name": "firefox-locale-en",
"version": "106.0.3+linuxmint1+vanessa"
},
{
"name": "php8.1-opcache",
"version": "8.1.12-1+ubuntu22.04.1+deb.sury.org+1"
},
],
},
{
"date_start": "2022-11-05",
"date_end": "2022-11-05",
"time_start": "12:21:40",
"time_end": "12:21:41",
"command": "/usr/bin/apt install php8.1-curl",
"installed": [
{
"name": "php8.1-curl",
"version": "8.1.12-1+ubuntu22.04.1+deb.sury.org+1"
}
]
},
{
"date_start": "2022-11-16",
"date_end": "2022-11-16",
"time_start": "16:26:15",
"time_end": "16:26:20",
"command": "/usr/bin/apt autoremove",
"removed": [
{
"name": "linux-headers-5.15.0-50-generic",
"version": "5.15.0-50.56"
},
{
"name": "linux-modules-5.15.0-50-generic",
"version": "5.15.0-50.56"
}
]
}
]
}`;

let srv: TestServer;
let apiKey: string;
let host: { id: string; token: string };
let hostDbId: number;

const json = { 'content-type': 'application/json' };
const asHost = () => ({ ...json, authorization: `Host ${host.id}:${host.token}` });
const asKey = (key = apiKey) => ({ ...json, authorization: `Bearer ${key}` });

async function newApiKey(jwt: string): Promise<string> {
  const res = await srv.app.inject({ method: 'POST', url: '/api/v1/auth/api-key', headers: { authorization: `Bearer ${jwt}` } });
  expect(res.statusCode).toBe(201);
  return res.json().api_key as string;
}

beforeAll(async () => {
  srv = await startTestServer();
  apiKey = await newApiKey(await srv.token());
});
afterAll(async () => srv?.close());

describe('Repomanager agent, replaying the documented calls', () => {
  it('issues an ak_ API key shown once and stored only as its SHA-256', async () => {
    expect(apiKey).toMatch(/^ak_[A-Za-z0-9]{32}$/);
    const rows = await srv.container.db.selectFrom('api_keys').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]!.key_hash).toBe(sha256Hex(apiKey));
    expect(JSON.stringify(rows)).not.toContain(apiKey);
  });

  it('registers a host with the API key: 201 {results: {id, token}}', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/v2/host/registering', headers: asKey(), payload: '{"hostname":"myfqdn.localhost","ip":"192.168.1.10"}' });
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body.rc).toBe(201);
    expect(body.return).toBe(201);
    expect(body.results.id).toMatch(/^id_[0-9a-f]{32}$/);
    expect(body.results.token).toMatch(/^[0-9a-f]{32}$/);
    host = body.results;
    const row = await srv.container.db.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    hostDbId = row.id;
    expect(row.token_hash).toBe(sha256Hex(host.token));
    const audit = await srv.container.db.selectFrom('audit_events').select(['action', 'username', 'result']).where('action', '=', 'HOST_REGISTER').execute();
    expect(audit).toEqual([{ action: 'HOST_REGISTER', username: 'admin', result: 'SUCCESS' }]);
  });

  it('refuses a second registration of the hostname with 409 and the v2 error envelope', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/api/v2/host/registering', headers: asKey(), payload: '{"hostname":"myfqdn.localhost","ip":"192.168.1.11"}' });
    expect(res.statusCode).toBe(409);
    const body = res.json();
    expect(body).toMatchObject({ rc: 409, return: 409, code: 'HOST_ALREADY_REGISTERED' });
    expect(body.message_error).toEqual(['Host myfqdn.localhost is already registered']);
  });

  it('stores the documented status call (reboot_required as a string)', async () => {
    const res = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/status', headers: asHost(), payload: DOC_STATUS });
    expect(res.statusCode).toBe(200);
    expect(res.json().message.length).toBeGreaterThan(5);
    const row = await srv.container.db.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ os: 'ubuntu', os_version: '22.04', release: 'jammy', kernel: '5.15.0-89-generic', profile: 'PC', env: 'prod', agent_version: '2.2.2', reboot_required: 0 });
    const newer = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/status', headers: asHost(), payload: { agent_version: '3.17.1', reboot_required: true, uptime: '12 days', unknown_field: 'ignored' } });
    expect(newer.statusCode).toBe(200);
    const again = await srv.container.db.selectFrom('hosts').selectAll().executeTakeFirstOrThrow();
    expect(again).toMatchObject({ agent_version: '3.17.1', reboot_required: 1, uptime: '12 days', os: 'ubuntu' });
  });

  it('stores the documented installed string, skipping the "adduser, etc..." ellipsis', async () => {
    const res = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/packages/installed', headers: asHost(), payload: DOC_INSTALLED });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual({ added: 5, changed: 0, removed: 0, unchanged: 0, skipped: 2 });
    const list = await srv.app.inject({ method: 'GET', url: `/api/v2/host/${hostDbId}/installed`, headers: asKey() });
    expect(list.statusCode).toBe(200);
    expect(list.json().results.map((p: { Name: string; Version: string; State: string }) => `${p.Name}=${p.Version}/${p.State}`)).toEqual([
      'accountsservice=22.07.5-2ubuntu1.4/inventored',
      'acl=2.3.1-1/inventored',
      'acpi-support=0.144/inventored',
      'acpid=1:2.0.33-1ubuntu1/inventored',
      'add-apt-key=1.0-0.5/inventored',
    ]);
  });

  it('stores the documented available list with i386 packages beside the native ones', async () => {
    const res = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/packages/available', headers: asHost(), payload: DOC_AVAILABLE });
    expect(res.statusCode).toBe(200);
    const list = await srv.app.inject({ method: 'GET', url: `/api/v2/host/${hostDbId}/available`, headers: asKey() });
    const names = list.json().results.map((p: { Name: string; Version: string }) => `${p.Name}=${p.Version}`);
    expect(names).toEqual([
      'apparmor=3.0.4-2ubuntu2.3',
      'libapparmor1=3.0.4-2ubuntu2.3',
      'libapparmor1:i386=3.0.4-2ubuntu2.3',
      'libgd3=2.3.3-9+ubuntu22.04.1+deb.sury.org+1',
      'libgd3:i386=2.3.3-6+ubuntu22.04.1+deb.sury.org+1',
      'lintian=2.114.0ubuntu1.3',
    ]);
  });

  it('takes the available array form with repository and security', async () => {
    const res = await srv.app.inject({
      method: 'PUT',
      url: '/api/v2/host/packages/available',
      headers: asHost(),
      payload: { available_packages: [{ name: 'openssl', version: '3.0.2-0ubuntu1.12', repository: 'jammy-security', security: 'true' }, { name: 'libssl3:i386', version: '3.0.2-0ubuntu1.12', repository: 'jammy-security', security: true }] },
    });
    expect(res.statusCode).toBe(200);
    const list = await srv.app.inject({ method: 'GET', url: `/api/v2/host/${hostDbId}/available`, headers: asKey() });
    expect(list.json().results).toEqual([
      { Name: 'libssl3:i386', Arch: 'i386', Current_version: '', Version: '3.0.2-0ubuntu1.12', Repository: 'jammy-security', Security: true },
      { Name: 'openssl', Arch: '', Current_version: '', Version: '3.0.2-0ubuntu1.12', Repository: 'jammy-security', Security: true },
    ]);
    // The documented string form again, for the reads below.
    expect((await srv.app.inject({ method: 'PUT', url: '/api/v2/host/packages/available', headers: asHost(), payload: DOC_AVAILABLE })).statusCode).toBe(200);
  });

  it('stores the documented events payload (trailing commas and all) and ignores a resend', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/packages/event', headers: asHost(), payload: DOC_EVENTS });
      expect(res.statusCode).toBe(200);
    }
    const events = await srv.container.hosts.registry.events(hostDbId);
    expect(events.map((e) => e.command)).toEqual(['/usr/bin/apt upgrade', '/usr/bin/apt install php8.1-curl', '/usr/bin/apt autoremove']);
    expect(events[0]!.packages.upgraded).toEqual([
      { name: 'firefox-locale-en', version: '106.0.3+linuxmint1+vanessa' },
      { name: 'php8.1-opcache', version: '8.1.12-1+ubuntu22.04.1+deb.sury.org+1' },
    ]);
    expect(events[2]!.packages.removed).toHaveLength(2);
  });

  it('takes the array form, keeps libapparmor1 and libapparmor1:i386 apart, and marks unreported packages removed', async () => {
    const res = await srv.app.inject({
      method: 'PUT',
      url: '/api/v2/host/packages/installed',
      headers: asHost(),
      payload: {
        installed_packages: [
          { name: 'acl', version: '2.3.1-1' },
          { name: 'acpid', version: '1:2.0.33-1ubuntu2' },
          { name: 'libapparmor1', version: '3.0.4-2ubuntu2.3' },
          { name: 'libapparmor1:i386', version: '3.0.4-2ubuntu2.2' },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toEqual({ added: 2, changed: 1, removed: 3, unchanged: 1, skipped: 0 });
    const installed = await srv.container.hosts.registry.installed(hostDbId);
    const byKey = Object.fromEntries(installed.map((p) => [`${p.name}:${p.arch}`, `${p.version}/${p.state}`]));
    expect(byKey).toEqual({
      'accountsservice:': '22.07.5-2ubuntu1.4/removed',
      'acl:': '2.3.1-1/inventored',
      'acpi-support:': '0.144/removed',
      'acpid:': '1:2.0.33-1ubuntu2/upgraded',
      'add-apt-key:': '1.0-0.5/removed',
      'libapparmor1:': '3.0.4-2ubuntu2.3/installed',
      'libapparmor1:i386': '3.0.4-2ubuntu2.2/installed',
    });
    const history = await srv.container.hosts.registry.history(hostDbId);
    expect(history.map((h) => `${h.name}=${h.version}/${h.state}`).sort()).toEqual([
      'accountsservice=22.07.5-2ubuntu1.4/inventored',
      'acpi-support=0.144/inventored',
      'acpid=1:2.0.33-1ubuntu1/inventored',
      'add-apt-key=1.0-0.5/inventored',
    ]);
  });

  it('takes a bare top-level array too, and a downgrade is recorded as one', async () => {
    const res = await srv.app.inject({
      method: 'PUT',
      url: '/api/v2/host/packages/installed',
      headers: asHost(),
      payload: [
        { name: 'acl', version: '2.3.1-1' },
        { name: 'acpid', version: '1:2.0.33-1ubuntu1' },
        { name: 'libapparmor1', version: '3.0.4-2ubuntu2.3' },
        { name: 'libapparmor1:i386', version: '3.0.4-2ubuntu2.2' },
        { name: 'openssl', version: '3.0.2-0ubuntu1.10' },
      ],
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().results).toMatchObject({ added: 1, changed: 1, removed: 0, unchanged: 3 });
    const acpid = (await srv.container.hosts.registry.installed(hostDbId)).find((p) => p.name === 'acpid');
    expect(acpid).toMatchObject({ version: '1:2.0.33-1ubuntu1', state: 'downgraded' });
  });

  it('answers fleet reads by package, os, profile, environment, arch and kernel', async () => {
    const byPkg = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts/package/libapparmor1', headers: asKey() });
    expect(byPkg.json().results).toEqual([
      {
        id: hostDbId,
        hostname: 'myfqdn.localhost',
        packages: [
          { Name: 'libapparmor1', Version: '3.0.4-2ubuntu2.3', Arch: '' },
          { Name: 'libapparmor1:i386', Version: '3.0.4-2ubuntu2.2', Arch: 'i386' },
        ],
      },
    ]);
    const byVersion = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts/package/libapparmor1/3.0.4-2ubuntu2.2', headers: asKey() });
    expect(byVersion.json().results[0].packages).toEqual([{ Name: 'libapparmor1:i386', Version: '3.0.4-2ubuntu2.2', Arch: 'i386' }]);
    const removed = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts/package/accountsservice', headers: asKey() });
    expect(removed.json().results).toEqual([]);
    const wildcard = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts/package/libapp*', headers: asKey() });
    expect(wildcard.json().results[0].packages).toHaveLength(2);
    for (const url of ['/api/v2/hosts/os/ubuntu', '/api/v2/hosts/os/ubuntu/22.04', '/api/v2/hosts/profile/PC', '/api/v2/hosts/environment/prod', '/api/v2/hosts/arch/x86_64', '/api/v2/hosts/kernel/5.15.0-89-generic', '/api/v2/hosts/outdated']) {
      const res = await srv.app.inject({ method: 'GET', url, headers: asKey() });
      expect(res.statusCode, url).toBe(200);
      expect(res.json().results.map((h: { Id: number }) => h.Id), url).toEqual([hostDbId]);
    }
    for (const url of ['/api/v2/hosts/os/debian', '/api/v2/hosts/os/ubuntu/24.04', '/api/v2/hosts/environment/preprod', '/api/v2/hosts/uptodate']) {
      const res = await srv.app.inject({ method: 'GET', url, headers: asKey() });
      expect(res.json().results, url).toEqual([]);
    }
    const outdated = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts/outdated', headers: asKey() });
    expect(outdated.json().results[0].Available_updates.Total).toBe(6);
  });

  it('never returns a token (nor its hash, nor the host id) in any listing', async () => {
    const hash = sha256Hex(host.token);
    for (const url of ['/api/v2/hosts', '/api/v2/hosts/os/ubuntu', '/api/v2/hosts/outdated', '/api/v2/hosts/package/acl', `/api/v2/host/${hostDbId}/installed`]) {
      const res = await srv.app.inject({ method: 'GET', url, headers: asKey() });
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain(host.token);
      expect(res.body).not.toContain(hash);
      expect(res.body).not.toContain(host.id);
    }
    const list = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asKey() });
    expect(list.json().results[0]).toMatchObject({ Id: hostDbId, Hostname: 'myfqdn.localhost', Os: 'ubuntu', Reboot_required: 'true' });
    expect(Object.keys(list.json().results[0])).not.toContain('Token');
  });
});

describe('honest statuses', () => {
  it('GET /api/v2/status answers 200', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/api/v2/status', headers: asKey() });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ rc: 200, return: 200, status: 'OK' });
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/status' })).statusCode).toBe(200);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/status', headers: asKey('ak_wrong') })).statusCode).toBe(401);
  });

  it('401 without or with wrong credentials, in the v2 envelope', async () => {
    const none = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ rc: 401, return: 401, code: 'AUTH_REQUIRED' });
    expect(none.json().message_error).toHaveLength(1);
    const wrongToken = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/status', headers: { ...json, authorization: `Host ${host.id}:${'0'.repeat(32)}` }, payload: {} });
    expect(wrongToken.statusCode).toBe(401);
    const wrongKey = await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asKey(`ak_${'x'.repeat(32)}`) });
    expect(wrongKey.statusCode).toBe(401);
    // A host credential cannot read the fleet.
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asHost() })).statusCode).toBe(401);
  });

  it('403 when the key owner lacks the role, 404 for an unknown host or route, 422 for an unreadable inventory', async () => {
    await srv.container.stores.users.create({ username: 'reader1', passwordHash: await srv.container.auth.hashPassword('Reader1234!'), role: 'reader', createdAt: new Date().toISOString() });
    const jwt = (await srv.app.inject({ method: 'POST', url: '/auth/token', payload: { username: 'reader1', password: 'Reader1234!' } })).json().access_token as string;
    const readerKey = await newApiKey(jwt);
    const del = await srv.app.inject({ method: 'DELETE', url: '/api/v2/host/registering', headers: asKey(readerKey), payload: { hostname: 'myfqdn.localhost' } });
    expect(del.statusCode).toBe(403);
    expect(del.json()).toMatchObject({ rc: 403, code: 'FORBIDDEN' });
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asKey(readerKey) })).statusCode).toBe(200);

    const missing = await srv.app.inject({ method: 'GET', url: '/api/v2/host/99999/installed', headers: asKey() });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toMatchObject({ rc: 404, code: 'NOT_FOUND' });
    const noRoute = await srv.app.inject({ method: 'GET', url: '/api/v2/nothing-here', headers: asKey() });
    expect(noRoute.statusCode).toBe(404);
    expect(noRoute.json().rc).toBe(404);

    const bad = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/packages/installed', headers: asHost(), payload: { installed_packages: 'no-version-anywhere' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ rc: 422, code: 'INVENTORY_INVALID' });
    const badReboot = await srv.app.inject({ method: 'PUT', url: '/api/v2/host/status', headers: asHost(), payload: { reboot_required: 'maybe' } });
    expect(badReboot.statusCode).toBe(422);
  });

  it('keeps v1 errors in their own shape', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/api/v1/jobs/99999', headers: { authorization: `Bearer ${await srv.token()}` } });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ code: 'NOT_FOUND', message: 'no such job', detail: 'no such job' });
  });

  it('a new API key invalidates the previous one', async () => {
    const old = apiKey;
    apiKey = await newApiKey(await srv.token());
    expect(apiKey).not.toBe(old);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asKey(old) })).statusCode).toBe(401);
    expect((await srv.app.inject({ method: 'GET', url: '/api/v2/hosts', headers: asKey() })).statusCode).toBe(200);
  });

  it('unregisters: by hostname with an API key, or itself with its host credential', async () => {
    const other = (await srv.app.inject({ method: 'POST', url: '/api/v2/host/registering', headers: asKey(), payload: { hostname: 'other.localhost', ip: '10.0.0.2' } })).json().results;
    const byKey = await srv.app.inject({ method: 'DELETE', url: '/api/v2/host/registering', headers: asKey(), payload: { hostname: 'other.localhost' } });
    expect(byKey.statusCode).toBe(200);
    expect((await srv.app.inject({ method: 'PUT', url: '/api/v2/host/status', headers: { ...json, authorization: `Host ${other.id}:${other.token}` }, payload: {} })).statusCode).toBe(401);
    const self = await srv.app.inject({ method: 'DELETE', url: '/api/v2/host/registering', headers: asHost() });
    expect(self.statusCode).toBe(200);
    expect(self.json().message).toEqual(['Host has been deleted.']);
    expect(await srv.container.db.selectFrom('host_packages').selectAll().execute()).toEqual([]);
    const audit = await srv.container.db.selectFrom('audit_events').select(['username']).where('action', '=', 'HOST_DELETE').orderBy('id').execute();
    expect(audit.map((a) => a.username)).toEqual(['admin', 'host:myfqdn.localhost']);
  });
});
