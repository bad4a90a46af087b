import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../helpers/app.js';
import { bearer, createUser, login, RELAXED_LIMITS } from '../helpers/accounts.js';
import { ManualClock } from '../helpers/clock.js';

describe('audit log: listing, export, integrity', () => {
  let srv: TestServer;
  const clock = new ManualClock();
  let auditor: Record<string, string>;
  const day1 = '2031-03-01';
  const day2 = '2031-03-02';

  beforeAll(async () => {
    srv = await startTestServer(RELAXED_LIMITS, { clock });
    await createUser(srv, 'audrey', 'auditor');
    await createUser(srv, 'rita', 'reader');
    const { audit, db } = srv.container;
    const at = (iso: string) => clock.advance(Date.parse(iso) - clock.now().getTime());
    at(`${day1}T10:00:00.000Z`);
    await audit.record(db, { actor: { username: 'ci', role: 'uploader', ip: '10.0.0.1' }, action: 'UPLOAD', result: 'SUCCESS', package: 'nginx', version: '1.24.0', distribution: 'jammy' });
    await audit.record(db, { actor: { username: 'ci', role: 'uploader', ip: '10.0.0.1' }, action: 'UPLOAD', result: 'SUCCESS', package: 'curl', version: '8.0', distribution: 'jammy' });
    at(`${day2}T09:00:00.000Z`);
    await audit.record(db, { actor: { username: 'ci', role: 'uploader' }, action: 'UPLOAD', result: 'FAILURE', package: 'nginx-extras', version: '1.24.0', distribution: 'noble', detail: { reason: 'FORMAT_MISMATCH' } });
    await audit.record(db, { actor: { username: 'maint', role: 'maintainer' }, action: 'PROMOTE', result: 'SUCCESS', package: 'nginx', detail: { note: '=HYPERLINK("x") 100%_done' } });
    // Real time again for logins (JWT iat/exp use the clock).
    clock.advance(Date.now() - clock.now().getTime());
    auditor = bearer(await login(srv, 'audrey'));
  });
  afterAll(async () => srv?.close());

  const logs = (query: string, headers = auditor) => srv.app.inject({ url: `/artifacts/audit/logs${query}`, headers });

  it('answers Repod’s example ?action=UPLOAD&q=nginx with the matching events, paginated', async () => {
    const res = await logs('?action=UPLOAD&q=nginx');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ total: 2, page: 1, per_page: 50, pages: 1 });
    expect(body.items.map((e: { package: string }) => e.package)).toEqual(['nginx-extras', 'nginx']);
    expect(body.items[1]).toMatchObject({ timestamp: `${day1}T10:00:00.000Z`, user: 'ci', role: 'uploader', source_ip: '10.0.0.1', action: 'UPLOAD', result: 'SUCCESS', version: '1.24.0', distribution: 'jammy', detail: {} });
    expect(body.items[1].hash).toMatch(/^[0-9a-f]{64}$/);
    expect((await logs('?action=upload&q=NGINX', auditor)).json().total).toBe(2);
  });

  it('filters by result, user, package, date range, and sorts', async () => {
    expect((await logs('?result=FAILURE&action=UPLOAD')).json().items.map((e: { package: string }) => e.package)).toEqual(['nginx-extras']);
    expect((await logs('?user=maint')).json().items.map((e: { action: string }) => e.action)).toEqual(['PROMOTE']);
    expect((await logs('?package=nginx')).json().total).toBe(2);
    expect((await logs(`?start=${day1}&end=${day1}`)).json().items.map((e: { package: string }) => e.package)).toEqual(['curl', 'nginx']);
    expect((await logs(`?start=${day2}T00:00:00Z&end=${day2}T09:00:00Z`)).json().total).toBe(2);
    expect((await logs(`?start=${day1}&end=${day2}&sort=asc`)).json().items.map((e: { package: string }) => e.package)).toEqual(['nginx', 'curl', 'nginx-extras', 'nginx']);
    // LIKE wildcards in q are literal characters.
    expect((await logs('?q=100%25_')).json().total).toBe(1);
    expect((await logs('?q=%25')).json().total).toBe(1);
    const bad = await logs('?start=yesterday');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().code).toBe('VALIDATION_FAILED');
  });

  it('pages in SQL: per_page and page select the right slice, total counts all', async () => {
    const all = (await logs('?per_page=200')).json();
    const p2 = (await logs('?per_page=3&page=2')).json();
    expect(p2).toMatchObject({ total: all.total, per_page: 3, page: 2, pages: Math.ceil(all.total / 3) });
    expect(p2.items.map((e: { id: number }) => e.id)).toEqual(all.items.slice(3, 6).map((e: { id: number }) => e.id));
    expect((await logs('?per_page=500')).statusCode).toBe(400);
  });

  it('requires audit:read: reader 403, no credentials 401', async () => {
    expect((await logs('', bearer(await login(srv, 'rita')))).statusCode).toBe(403);
    expect((await srv.app.inject({ url: '/artifacts/audit/logs' })).statusCode).toBe(401);
  });

  it('exports JSON and CSV, streamed, across many pages, with the same filters', async () => {
    const { audit, db } = srv.container;
    await db.transaction().execute(async (trx) => {
      for (let i = 0; i < 1203; i++) await audit.record(trx, { actor: { username: 'bulk', role: 'uploader' }, action: 'UPLOAD', result: 'SUCCESS', package: `pkg${i}` });
    });
    const json = await srv.app.inject({ url: '/api/v1/artifacts/audit/export?format=json&user=bulk&sort=asc', headers: auditor });
    expect(json.statusCode).toBe(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.json"/);
    const items = json.json();
    expect(items).toHaveLength(1203);
    expect(items.map((e: { package: string }) => e.package)).toEqual(Array.from({ length: 1203 }, (_, i) => `pkg${i}`));

    const csv = await srv.app.inject({ url: '/artifacts/audit/export?format=csv&q=nginx', headers: auditor });
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,timestamp,user,role,source_ip,action,result,package,version,distribution,detail,prev_hash,hash');
    expect(lines).toHaveLength(4);
    // JSON detail is quoted and its quotes doubled.
    const promote = lines.find((l) => l.includes('PROMOTE'))!;
    expect(promote).toContain('"{""note"":""=HYPERLINK(\\""x\\"") 100%_done""}"');
    // A cell a spreadsheet would run as a formula is exported as text.
    await audit.record(db, { actor: { username: 'evil', role: 'uploader' }, action: 'UPLOAD', result: 'FAILURE', package: '=SUM(1+1)' });
    const formula = await srv.app.inject({ url: '/artifacts/audit/export?format=csv&user=evil', headers: auditor });
    expect(formula.body.split('\r\n')[1].split(',')[7]).toBe("'=SUM(1+1)");
    const empty = await srv.app.inject({ url: '/artifacts/audit/export?user=nobody', headers: auditor });
    expect(empty.json()).toEqual([]);
    expect((await srv.app.inject({ url: '/artifacts/audit/export?format=xml', headers: auditor })).statusCode).toBe(400);
  });

  it('verifies the hash chain and names the first event edited or removed directly in the database', async () => {
    const { db } = srv.container;
    const check = async () => (await srv.app.inject({ url: '/artifacts/audit/integrity', headers: auditor })).json();
    const total = (await logs('?per_page=1')).json().total;
    expect(await check()).toMatchObject({ ok: true, status: 'ok', checked: total, first_broken_id: null });

    const victim = await db.selectFrom('audit_events').selectAll().where('package', '=', 'curl').executeTakeFirstOrThrow();
    await db.updateTable('audit_events').set({ package: 'curl-backdoored' }).where('id', '=', victim.id).execute();
    const edited = await check();
    expect(edited).toMatchObject({ ok: false, status: 'broken', first_broken_id: victim.id });
    expect(edited.reason).toMatch(/edited/);
    await db.updateTable('audit_events').set({ package: 'curl' }).where('id', '=', victim.id).execute();
    expect((await check()).ok).toBe(true);

    const next = await db.selectFrom('audit_events').select('id').where('id', '>', victim.id).orderBy('id').limit(1).executeTakeFirstOrThrow();
    await db.deleteFrom('audit_events').where('id', '=', victim.id).execute();
    const removed = await check();
    expect(removed).toMatchObject({ ok: false, first_broken_id: next.id });
    expect(removed.reason).toMatch(/link/);
  });
});
