import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../helpers/app.js';
import { buildDeb, buildRpm } from '../helpers/build-packages.js';
import { AptSandbox, runAsync } from '../helpers/clients.js';
import { startListeningServer, uploadOverHttp } from '../helpers/http-server.js';
import { skipWithout } from '../helpers/tools.js';

describe.skipIf(skipWithout(['apt-get', 'dpkg-deb', 'gpgv', 'dnf', 'rpmbuild']))('profiles: CRUD, v2 reads, and the returned client configuration used for real', () => {
  let srv: TestServer & { url: string };
  let token: string;
  const api = async (method: string, url: string, body?: unknown) => {
    const res = await fetch(`${srv.url}${url}`, { method, headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as any) };
  };

  beforeAll(async () => {
    srv = await startListeningServer();
    token = await srv.token();
    expect((await uploadOverHttp(srv.url, token, 'jammy', 'p.deb', buildDeb({ name: 'pky-prof', version: '1.0' }))).status).toBe(200);
    expect((await uploadOverHttp(srv.url, token, 'almalinux9', 'p.rpm', buildRpm({ name: 'pky-prof', version: '1.0', arch: 'x86_64' }))).status).toBe(200);
    for (const repo of ['jammy', 'almalinux9']) {
      const [head] = (await api('GET', `/api/v1/repositories/${repo}/snapshots`)).body;
      expect((await api('PUT', `/api/v1/repositories/${repo}/environments/prod`, { snapshot: head.number })).status).toBe(200);
    }
  });
  afterAll(async () => srv?.close());

  it('native CRUD with validation, audited', async () => {
    const body = { name: 'web', repositories: [{ name: 'jammy' }, { name: 'almalinux9' }], package_exclude: ['nginx*'], package_exclude_major: ['php*'], service_reload: ['nginx'], service_restart: ['php-fpm'], notes: 'web tier' };
    const created = await api('POST', '/api/v1/profiles', body);
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.repositories).toEqual([
      { name: 'jammy', format: 'deb', environment: '' },
      { name: 'almalinux9', format: 'rpm', environment: '' },
    ]);
    expect((await api('POST', '/api/v1/profiles', body)).status).toBe(409);
    expect((await api('POST', '/api/v1/profiles', { ...body, name: 'x', repositories: [{ name: 'nope' }] })).status).toBe(404);
    expect((await api('POST', '/api/v1/profiles', { ...body, name: 'y', repositories: [{ name: 'jammy', environment: 'nope' }] })).status).toBe(404);
    const pinned = await api('PUT', '/api/v1/profiles/web', { ...body, repositories: [{ name: 'jammy' }, { name: 'almalinux9', environment: 'prod' }] });
    expect(pinned.status).toBe(200);
    expect((await api('GET', '/api/v1/profiles')).body.map((p: { name: string }) => p.name)).toEqual(['web']);
    expect((await api('POST', '/api/v1/profiles', { ...body, name: 'tmp' })).status).toBe(201);
    expect((await api('DELETE', '/api/v1/profiles/tmp')).status).toBe(204);
    expect((await api('GET', '/api/v1/profiles/tmp')).status).toBe(404);
    const audit = await srv.container.db.selectFrom('audit_events' as never).select('detail' as never).where('action' as never, '=', 'PROFILE_CHANGE' as never).execute();
    expect(audit.length).toBe(4);
  });

  it('v2 profile reads in Repomanager shapes', async () => {
    expect((await api('GET', '/api/v2/profile')).body).toMatchObject({ rc: 200, return: 200, results: [{ Name: 'web' }] });
    expect((await api('GET', '/api/v2/profile/web')).body.results).toEqual([
      { Name: 'web', Package_exclude: 'nginx*', Package_exclude_major: 'php*', Service_reload: 'nginx', Service_restart: 'php-fpm', Notes: 'web tier' },
    ]);
    expect((await api('GET', '/api/v2/profile/web/excludes')).body.results).toEqual({ Package_exclude: 'nginx*', Package_exclude_major: 'php*' });
    const missing = await api('GET', '/api/v2/profile/nope');
    expect(missing.status).toBe(404);
    expect(missing.body.message_error[0]).toMatch(/does not exist/);
    expect((await fetch(`${srv.url}/api/v2/profile`)).status).toBe(401);
    expect((await api('GET', '/api/v2/profile/server-settings')).body.results).toEqual([{ Ip: '127.0.0.1', Url: srv.url, Package_type: 'deb,rpm' }]);
    const nf = (await api('GET', '/api/v2/profile/web/repos?new-format')).body.results;
    const host = new URL(srv.url).host;
    expect(nf.reposerver).toEqual({ gpgkey_url: `${srv.url}/repos/key.asc`, hostname: host });
    expect(nf.repos).toEqual([
      { name: 'jammy', url: `${srv.url}/repo/deb/jammy/jammy/main/__ENV__`, distribution: 'jammy', component: 'main', description: `jammy repo on ${host}`, filename_prefix: 'packyard-' },
      { name: 'almalinux9', url: `${srv.url}/repo/rpm/almalinux9/almalinux9/prod/$basearch/`, distribution: 'almalinux9', component: '', description: `almalinux9 repo on ${host}`, filename_prefix: 'packyard-' },
    ]);
  });

  it('the APT .list line and the deb822 .sources, __ENV__ replaced, pass apt-get update with signed-by', async () => {
    const [deb] = (await api('GET', '/api/v2/profile/web/repos')).body.results;
    expect(deb.content).toMatch(/^deb \[signed-by=\/etc\/apt\/keyrings\/127\.0\.0\.1\.gpg\] .*\/repo\/deb\/jammy\/jammy\/main\/__ENV__ jammy main$/);
    const keyring = Buffer.from(await (await fetch(deb.gpgkey_keyring_url)).arrayBuffer());
    const keyPath = '/etc/apt/keyrings/127.0.0.1.gpg';
    const list = new AptSandbox(deb.content.replaceAll('__ENV__', 'prod').replace(keyPath, 'KEYRING'), keyring);
    const u = await list.apt(['update']);
    expect(u.status, u.stdout + u.stderr).toBe(0);
    expect(u.stderr).not.toMatch(/NO_PUBKEY|not signed|W: /);
    expect((await list.apt(['install', '--download-only', 'pky-prof'])).status).toBe(0);

    const sources = new AptSandbox('', keyring);
    writeFileSync(path.join(sources.dir, 'etc/apt/sources.list.d', deb.filename_deb822), deb.content_deb822.replaceAll('__ENV__', 'prod').replace(keyPath, path.join(sources.dir, 'packyard.gpg')));
    const s = await sources.apt(['update']);
    expect(s.status, s.stdout + s.stderr).toBe(0);
    expect(s.stderr).not.toMatch(/NO_PUBKEY|not signed|W: /);
    expect((await sources.aptCache(['policy', 'pky-prof'])).stdout).toMatch(/Candidate: 1\.0/);
  });

  it('the DNF .repo file passes dnf makecache with gpgcheck=1 repo_gpgcheck=1', async () => {
    const [, rpm] = (await api('GET', '/api/v2/profile/web/repos')).body.results;
    expect(rpm.content).toMatch(/^gpgcheck=1$/m);
    expect(rpm.content).toMatch(/^repo_gpgcheck=1$/m);
    expect(rpm.content).toMatch(/^gpgkey=http:\/\/.*\/repos\/key\.asc$/m);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-dnf-profile-'));
    mkdirSync(path.join(dir, 'repos'));
    writeFileSync(path.join(dir, 'repos', rpm.filename), rpm.content.replaceAll('__ENV__', 'prod'));
    const id = /^\[(.+)\]$/m.exec(rpm.content)![1].replaceAll('__ENV__', 'prod');
    const dnf = (args: string[]) =>
      runAsync('dnf', ['-y', `--installroot=${dir}/root`, `--setopt=reposdir=${dir}/repos`, `--setopt=cachedir=${dir}/cache`, '--releasever=9', '--forcearch=x86_64', '--disablerepo=*', `--enablerepo=${id}`, ...args]);
    const m = await dnf(['makecache']);
    expect(m.status, m.stdout + m.stderr).toBe(0);
    const q = await dnf(['repoquery', '--qf', '%{name}-%{version}']);
    expect(q.stdout).toMatch(/pky-prof-1\.0/);
  });
});
