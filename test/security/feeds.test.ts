import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { skipWithout } from '../helpers/tools.js';

const record = (id: string, name: string, ecosystem: string, fixed: string, extra: Record<string, unknown> = {}) => ({
  id,
  aliases: [id.replace(/^[A-Z]+-/, 'CVE-')],
  affected: [{ package: { ecosystem, name }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
  ...extra,
});

describe.skipIf(skipWithout(['zip']))('feed sources: all.zip, directories, the Debian tracker, withdrawals', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  const work = mkdtempSync(join(tmpdir(), 'packyard-feeds-'));

  const importFile = async (content: Buffer, filename: string, fields: Record<string, string>) => {
    const body = multipart(fields, { filename, content });
    const res = await srv.app.inject({ method: 'POST', url: '/security/feeds/import?wait=true', payload: body.payload, headers: { ...body.headers, ...auth } });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    srv = await startTestServer();
    auth = { authorization: `Bearer ${await srv.token()}` };
  });
  afterAll(async () => srv?.close());

  it('imports an ecosystem all.zip entry by entry, and answers 202 with a job id without ?wait', async () => {
    const dir = join(work, 'zip');
    mkdirSync(dir);
    for (let i = 0; i < 30; i++) writeFileSync(join(dir, `ALSA-2026-${i}.json`), JSON.stringify(record(`ALSA-2026-${i}`, `pkg${i}`, 'AlmaLinux:9', `1.${i}-1.el9`)));
    writeFileSync(join(dir, 'README.txt'), 'not a record');
    execFileSync('zip', ['-q', '-r', join(work, 'all.zip'), '.'], { cwd: dir });
    const zip = (await import('node:fs')).readFileSync(join(work, 'all.zip'));
    const queued = multipart({ format: 'osv' }, { filename: 'all.zip', content: zip });
    const res = await srv.app.inject({ method: 'POST', url: '/security/feeds/import', payload: queued.payload, headers: { ...queued.headers, ...auth } });
    expect(res.statusCode).toBe(202);
    const job = await srv.container.jobs.wait(res.json().job_id);
    expect(job.state, job.error).toBe('succeeded');
    expect(job.result).toMatchObject({ records: 30, inserted: 30, releases: ['AlmaLinux:9'] });
    const jobRoute = await srv.app.inject({ method: 'GET', url: `/jobs/${res.json().job_id}`, headers: auth });
    expect(jobRoute.json().state).toBe('succeeded');
  });

  it('refuses an unknown format and a missing file', async () => {
    const body = multipart({ format: 'csaf' }, { filename: 'x.json', content: Buffer.from('{}') });
    const res = await srv.app.inject({ method: 'POST', url: '/security/feeds/import', payload: body.payload, headers: { ...body.headers, ...auth } });
    expect(res.statusCode).toBe(400);
    const none = multipart({ format: 'osv' });
    expect((await srv.app.inject({ method: 'POST', url: '/security/feeds/import', payload: none.payload, headers: { ...none.headers, ...auth } })).statusCode).toBe(400);
  });

  it('registers a file:// directory feed with a refresh schedule, lists and deletes it', async () => {
    const dir = join(work, 'osv-dir');
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a.json'), JSON.stringify(record('USN-9-1', 'curl', 'Ubuntu:24.04:LTS', '8.5.0-2ubuntu10.1')));
    writeFileSync(join(dir, 'sub', 'b.json'), JSON.stringify([record('USN-9-2', 'curl', 'Ubuntu:24.04:LTS', '8.5.0-2ubuntu10.2'), record('PYSEC-1', 'x', 'PyPI', '1')]));
    const res = await srv.app.inject({ method: 'POST', url: '/security/feeds', headers: auth, payload: { name: 'ubuntu-local', url: pathToFileURL(dir).toString(), format: 'osv', refresh_hours: 6 } });
    expect(res.statusCode, res.body).toBe(202);
    const job = await srv.container.jobs.wait(res.json().job_id);
    expect(job.result).toMatchObject({ records: 3, inserted: 2, skipped: 1 });
    const feeds = (await srv.app.inject({ method: 'GET', url: '/security/feeds', headers: auth })).json().feeds;
    const feed = feeds.find((f: { name: string }) => f.name === 'ubuntu-local');
    expect(feed).toMatchObject({ refresh_hours: 6, advisories: 2, last_status: 'succeeded' });
    expect(feed.next_refresh_at).not.toBeNull();
    // The periodic tick queues a refresh once next_refresh_at has passed, and moves it forward.
    expect(await srv.container.security.feeds.enqueueDue()).toBe(0);
    await srv.container.db.updateTable('security_feeds').set({ next_refresh_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', feed.id).execute();
    expect(await srv.container.security.feeds.enqueueDue()).toBe(1);
    const refresh = (await srv.container.stores.jobs.list({ kind: 'security.feed-import', limit: 1, offset: 0 })).items[0];
    expect(refresh).toMatchObject({ payload: { feedId: feed.id }, createdBy: 'system' });
    expect((await srv.container.jobs.wait(refresh.id)).result).toMatchObject({ records: 3, inserted: 0, unchanged: 2 });
    const del = await srv.app.inject({ method: 'DELETE', url: `/security/feeds/${feed.id}`, headers: auth });
    expect(del.json()).toMatchObject({ advisories_removed: 2 });
    expect((await srv.app.inject({ method: 'DELETE', url: `/security/feeds/${feed.id}`, headers: auth })).statusCode).toBe(404);
  });

  it('imports the Debian tracker with a distribution mapping, and a withdrawn OSV record removes its advisory', async () => {
    const tracker = { openssl: { 'CVE-2026-1000': { releases: { bookworm: { status: 'resolved', fixed_version: '3.0.15-1~deb12u1', urgency: 'high' } } } } };
    const r = await importFile(Buffer.from(JSON.stringify(tracker)), 'tracker.json', { format: 'debian-tracker', distribution: 'bookworm=debian-tracker:bookworm' });
    expect(r.job.result).toMatchObject({ inserted: 1, releases: ['debian-tracker:bookworm'] });
    const map = (await srv.app.inject({ method: 'GET', url: '/security/distributions', headers: auth })).json().distributions;
    expect(map.find((m: { distribution: string }) => m.distribution === 'bookworm')).toEqual({ distribution: 'bookworm', releases: ['debian-tracker:bookworm'], configured: true });
    expect(map.find((m: { distribution: string }) => m.distribution === 'jammy')).toEqual({ distribution: 'jammy', releases: ['Ubuntu:22.04'], configured: false });

    const live = record('DSA-1-1', 'zlib', 'Debian:12', '1:1.2.13.dfsg-1');
    expect((await importFile(Buffer.from(JSON.stringify(live)), 'dsa.json', { format: 'osv' })).job.result).toMatchObject({ inserted: 1 });
    const gone = { ...live, withdrawn: '2026-02-01T00:00:00Z' };
    expect((await importFile(Buffer.from(JSON.stringify(gone)), 'dsa.json', { format: 'osv' })).job.result).toMatchObject({ inserted: 0, withdrawn: 1 });
  });

  it('records a failed import on the feed and in the audit log', async () => {
    const r = await importFile(Buffer.from('[{"id": "X",'), 'broken.json', { format: 'osv' });
    expect(r.status).toBe('failed');
    const feed = (await srv.app.inject({ method: 'GET', url: '/security/feeds', headers: auth })).json().feeds.find((f: { name: string }) => f.name === 'file:osv:broken.json');
    expect(feed).toMatchObject({ last_status: 'failed' });
    const audit = await srv.container.db.selectFrom('audit_events').selectAll().where('action', '=', 'FEED_IMPORT').where('result', '=', 'FAILURE').execute();
    expect(audit).toHaveLength(1);
  });
});
