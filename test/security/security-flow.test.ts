import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import type { GateVerdict } from '../../src/security/gate.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { skipWithout } from '../helpers/tools.js';

const osv = (id: string, cve: string, pkg: string, events: object[], score: string) => ({
  schema_version: '1.6.0',
  id,
  aliases: [cve],
  modified: '2026-01-01T00:00:00Z',
  summary: `${pkg} vulnerability`,
  severity: [{ type: 'CVSS_V3', score }],
  affected: [{ package: { ecosystem: 'Ubuntu:22.04:LTS', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events }] }],
});
const HIGH = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N'; // 7.5
const CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8

describe.skipIf(skipWithout(['dpkg-deb']))('security gate: feed → upload → review → decision → re-match', () => {
  let srv: TestServer;
  let auth: Record<string, string>;
  const importFeed = async (records: unknown, format = 'osv', name = 'feed.json') => {
    const body = multipart({ format }, { filename: name, content: Buffer.from(JSON.stringify(records)) });
    const res = await srv.app.inject({ method: 'POST', url: '/security/feeds/import?wait=true', payload: body.payload, headers: { ...body.headers, ...auth } });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().status, res.body).toBe('succeeded');
    return res.json().job.result;
  };
  const upload = async (content: Buffer, filename: string) => {
    const body = multipart({ distribution: 'jammy' }, { filename, content });
    return srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, ...auth } });
  };
  const packagesIndex = async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/repos/dists/jammy/main/binary-amd64/Packages.gz' });
    return res.statusCode === 200 ? gunzipSync(res.rawPayload).toString() : '';
  };
  const auditRows = async () => srv.container.db.selectFrom('audit_events').selectAll().orderBy('id').execute();

  beforeAll(async () => {
    srv = await startTestServer();
    auth = { authorization: `Bearer ${await srv.token()}` };
  });
  afterAll(async () => srv?.close());

  it('shows the default policy', async () => {
    const res = await srv.app.inject({ method: 'GET', url: '/security/policy', headers: auth });
    expect(res.json()).toEqual({ critical: 'block', high: 'review', medium: 'warn', low: 'allow', negligible: 'allow', unknown: 'warn', distributions: {} });
  });

  it('imports a feed idempotently and reports counts', async () => {
    const feed = [osv('USN-1-1', 'CVE-2026-0001', 'vulnsrc', [{ introduced: '0' }, { fixed: '1.2-1ubuntu1' }], HIGH)];
    const first = await importFeed(feed);
    expect(first).toMatchObject({ records: 1, inserted: 1, updated: 0, unchanged: 0 });
    const again = await importFeed(feed);
    expect(again).toMatchObject({ records: 1, inserted: 0, updated: 0, unchanged: 1 });
    const feeds = (await srv.app.inject({ method: 'GET', url: '/security/feeds', headers: auth })).json().feeds;
    expect(feeds).toHaveLength(1);
    expect(feeds[0]).toMatchObject({ format: 'osv', advisories: 1, last_status: 'succeeded' });
  });

  it('holds a vulnerable upload for review and publishes a fixed one', async () => {
    const vulnerable = await upload(buildDeb({ name: 'vulnbin', source: 'vulnsrc (1.1-1)', version: '1.1-1' }), 'vulnbin_1.1-1_amd64.deb');
    expect(vulnerable.statusCode, vulnerable.body).toBe(200);
    expect(vulnerable.json()).toMatchObject({ status: 'pending_review', findings: { total: 1, bySeverity: { high: 1 }, advisories: ['CVE-2026-0001'] } });
    expect(await packagesIndex()).not.toContain('Package: vulnbin');
    const fixed = await upload(buildDeb({ name: 'vulnbin', source: 'vulnsrc (1.2-1ubuntu1)', version: '1.2-1ubuntu1' }), 'vulnbin_1.2-1ubuntu1_amd64.deb');
    expect(fixed.json()).toMatchObject({ status: 'accepted' });
    expect(fixed.json().findings).toBeUndefined();
    const queue = (await srv.app.inject({ method: 'GET', url: '/security/review-queue', headers: auth })).json();
    expect(queue).toMatchObject({ total: 1, review_count: 1, blocked_count: 0 });
    expect(queue.packages[0]).toMatchObject({ name: 'vulnbin', version: '1.1-1', status: 'pending_review', distribution: 'jammy' });
    expect(queue.packages[0].cve_results[0]).toMatchObject({ id: 'CVE-2026-0001', severity: 'high', cvss: 7.5, fix_versions: ['1.2-1ubuntu1'] });
    const cve = (await srv.app.inject({ method: 'GET', url: '/security/packages/vulnbin/1.1-1/cve', headers: auth })).json();
    expect(cve).toMatchObject({ total: 1, cve_counts: { high: 1 } });
  });

  it('refuses a decision without justification (422) and accepts Repod\'s documented body', async () => {
    const bad = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnbin/1.1-1/decide', headers: auth, payload: { decision: 'approve' } });
    expect(bad.statusCode).toBe(422);
    expect(bad.json().code).toBe('JUSTIFICATION_REQUIRED');
    const res = await srv.app.inject({
      method: 'POST',
      url: '/security/packages/vulnbin/1.1-1/decide',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{\n"decision": "approve",\n"justification": "CVE-2026-0001 sans impact sur notre déploiement"\n}',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', action: 'approve', new_status: 'approved', decision: { justification: 'CVE-2026-0001 sans impact sur notre déploiement', cve_ids: ['CVE-2026-0001', 'USN-1-1'] } });
    expect(await packagesIndex()).toMatch(/Package: vulnbin\nSource: vulnsrc[^\n]*\nVersion: 1\.1-1\n/);
    const decision = (await srv.app.inject({ method: 'GET', url: '/security/packages/vulnbin/1.1-1/decision', headers: auth })).json();
    expect(decision).toMatchObject({ status: 'approved', decision: { action: 'approve', decided_by: 'admin' } });
    const queue = (await srv.app.inject({ method: 'GET', url: '/security/review-queue', headers: auth })).json();
    expect(queue.total).toBe(0);
  });

  it('withdraws the approved package in a new snapshot when a newer feed adds a critical CVE', async () => {
    const headBefore = (await srv.container.stores.repositories.getByName('jammy'))!.headSnapshot;
    const result = await importFeed([osv('USN-2-1', 'CVE-2026-0002', 'vulnsrc', [{ introduced: '0' }, { last_affected: '1.1-1' }], CRITICAL)], 'osv', 'newer.json');
    expect(result).toMatchObject({ inserted: 1, rematch: { new_findings: 1, withdrawn: 1 } });
    const repo = (await srv.container.stores.repositories.getByName('jammy'))!;
    expect(repo.headSnapshot).toBe(headBefore + 1);
    const index = await packagesIndex();
    expect(index).not.toContain('Version: 1.1-1\n');
    expect(index).toContain('Version: 1.2-1ubuntu1\n');
    const queue = (await srv.app.inject({ method: 'GET', url: '/security/review-queue', headers: auth })).json();
    expect(queue).toMatchObject({ total: 1, blocked_count: 1 });
    const vulns = (await srv.app.inject({ method: 'GET', url: '/security/vulnerabilities?severity=critical', headers: auth })).json();
    expect(vulns.summary).toMatchObject({ critical: 1, high: 1 });
    expect(vulns.vulnerabilities).toHaveLength(1);
    expect(vulns.vulnerabilities[0]).toMatchObject({ id: 'CVE-2026-0002', severity: 'critical', cvss: 9.8, fix_state: 'not-fixed', affected_packages: [{ name: 'vulnbin', version: '1.1-1', distribution: 'jammy' }] });
    const all = (await srv.app.inject({ method: 'GET', url: '/security/vulnerabilities?distribution=jammy&per_page=1&page=2', headers: auth })).json();
    expect(all).toMatchObject({ total: 2, page: 2, vulnerabilities: [{ advisory_id: 'USN-2-1' }] });
  });

  it('records every step in the audit log', async () => {
    const rows = await auditRows();
    const steps = rows.filter((r) => r.package === 'vulnbin' || r.action.startsWith('FEED') || r.action === 'RESCAN').map((r) => `${r.action}:${r.result}:${r.version}`);
    expect(steps).toEqual(
      expect.arrayContaining(['FEED_IMPORT:SUCCESS:', 'UPLOAD:PENDING:1.1-1', 'UPLOAD:SUCCESS:1.2-1ubuntu1', 'DECISION:SUCCESS:1.1-1', 'QUARANTINE:BLOCKED:1.1-1', 'RESCAN:SUCCESS:']),
    );
    const decision = rows.find((r) => r.action === 'DECISION')!;
    expect(JSON.parse(decision.detail)).toMatchObject({ action: 'approve', justification: 'CVE-2026-0001 sans impact sur notre déploiement' });
  });

  it('rejects an upload outright when the policy blocks, and supports the richer decision body', async () => {
    const res = await upload(buildDeb({ name: 'vulnsrc', version: '1.0-1' }), 'vulnsrc_1.0-1_amd64.deb');
    expect(res.json()).toMatchObject({ status: 'rejected', findings: { bySeverity: { critical: 1, high: 1 } } });
    const up = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnsrc/1.0-1/decide', headers: auth, payload: { action: 'upgrade_required', justification: 'needs the fixed build' } });
    expect(up.statusCode).toBe(422);
    const ex = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnsrc/1.0-1/decide', headers: auth, payload: { action: 'exception', justification: 'isolated network', expires_in_days: 7 } });
    expect(ex.json()).toMatchObject({ new_status: 'exception', decision: { sla: { has_sla: true, remaining_days: 7, warning: true } } });
    expect(await packagesIndex()).toMatch(/Package: vulnsrc\n/);
    const rej = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnsrc/1.0-1/decide', headers: auth, payload: { action: 'reject', justification: 'not worth it' } });
    expect(rej.json()).toMatchObject({ new_status: 'quarantined' });
    expect(await packagesIndex()).not.toMatch(/Package: vulnsrc\n/);
    const history = (await srv.app.inject({ method: 'GET', url: '/security/decisions', headers: auth })).json();
    expect(history.decisions.map((d: { action: string; state: string }) => `${d.action}:${d.state}`)).toEqual(['reject:active', 'exception:superseded', 'approve:active']);
  });

  it('lets only permitted roles decide and change the policy', async () => {
    const anon = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnsrc/1.0-1/decide', payload: { decision: 'approve', justification: 'x' } });
    expect(anon.statusCode).toBe(401);
    const put = await srv.app.inject({ method: 'PUT', url: '/security/policy', headers: auth, payload: { high: 'block', distributions: { jammy: { medium: 'review' } } } });
    expect(put.json()).toMatchObject({ high: 'block', distributions: { jammy: { medium: 'review' } } });
    const badPolicy = await srv.app.inject({ method: 'PUT', url: '/security/policy', headers: auth, payload: { high: 'maybe' } });
    expect(badPolicy.statusCode).toBe(400);
  });

  it('sends an expired exception back to review (withdrawn: the policy blocks it)', async () => {
    const up = await upload(buildDeb({ name: 'vulnbin', source: 'vulnsrc (1.0-5)', version: '1.0-5' }), 'vulnbin_1.0-5_amd64.deb');
    expect(up.json().status).toBe('rejected');
    const ex = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnbin/1.0-5/decide', headers: auth, payload: { action: 'exception', justification: 'until the vendor patch', expires_in_days: 1 } });
    expect(ex.statusCode).toBe(200);
    expect(await packagesIndex()).toContain('Version: 1.0-5\n');
    await srv.container.db.updateTable('security_decisions').set({ expires_at: '2000-01-01T00:00:00.000Z' }).where('id', '=', ex.json().decision.id).execute();
    const queue = (await srv.app.inject({ method: 'GET', url: '/security/review-queue', headers: auth })).json();
    expect(queue.packages.find((p: { version: string }) => p.version === '1.0-5')).toMatchObject({ status: 'blocked' });
    expect(await packagesIndex()).not.toContain('Version: 1.0-5\n');
    const decision = (await srv.app.inject({ method: 'GET', url: '/security/packages/vulnbin/1.0-5/decision', headers: auth })).json();
    expect(decision.history[0]).toMatchObject({ action: 'exception', state: 'expired' });
  });

  it('keeps upgrade_required out until the target version arrives, then closes the decision', async () => {
    const res = await srv.app.inject({ method: 'POST', url: '/security/packages/vulnbin/1.0-5/decide', headers: auth, payload: { action: 'upgrade_required', justification: 'rebuild on 1.3', target_version: '1.3-1' } });
    expect(res.json()).toMatchObject({ new_status: 'upgrade_required' });
    expect(await packagesIndex()).not.toContain('Version: 1.0-5\n');
    const newer = await upload(buildDeb({ name: 'vulnbin', source: 'vulnsrc (1.3-1)', version: '1.3-1' }), 'vulnbin_1.3-1_amd64.deb');
    expect(newer.json().status).toBe('accepted');
    const decision = (await srv.app.inject({ method: 'GET', url: '/security/packages/vulnbin/1.0-5/decision', headers: auth })).json();
    expect(decision.history[0]).toMatchObject({ action: 'upgrade_required', state: 'resolved' });
  });

  // Last: it leaves a package held in jammy, which the review queue counts above would see.
  it('gives each package of a group its own verdict when the gate is asked about many at once', async () => {
    const jammy = (await srv.container.stores.repositories.getByName('jammy'))!;
    const actor = { username: 'admin', role: 'admin' as const, ip: '127.0.0.1' };
    const store = async (name: string, source: string, version: string) => {
      const staged = await srv.container.blobs.stage(Readable.from([buildDeb({ name, source, version })]), { maxBytes: 1 << 20 });
      try {
        return (await srv.container.ingest.storePackage(actor, jammy, `${name}_${version}_amd64.deb`, staged)).packageId;
      } finally {
        await staged.discard();
      }
    };
    const vulnerable = await store('manyvuln', 'vulnsrc (1.0-2)', '1.0-2');
    const clean = await store('manyclean', 'manyclean', '1.0');
    const fixed = await store('manyfixed', 'vulnsrc (1.2-1ubuntu1)', '1.2-1ubuntu1');
    const gate = srv.container.gate;
    expect(gate.evaluateMany).toBeDefined();
    const subjects = [vulnerable, clean, fixed].map((packageId) => ({ packageId, repositoryId: jammy.id, fresh: true }));
    // Each way in a transaction that is rolled back, so both start from the same state.
    const rolledBack = Symbol('rollback');
    const asked = async (ask: (trx: typeof srv.container.db) => Promise<GateVerdict[]>) => {
      let out: { verdicts: GateVerdict[]; findings: unknown[] } | undefined;
      await srv.container.db
        .transaction()
        .execute(async (trx) => {
          const verdicts = await ask(trx);
          const findings = await trx.selectFrom('security_findings').select(['package_id', 'advisory_id', 'state']).where('package_id', 'in', [vulnerable, clean, fixed]).orderBy('id').execute();
          out = { verdicts, findings };
          throw rolledBack;
        })
        .catch((err: unknown) => {
          if (err !== rolledBack) throw err;
        });
      return out!;
    };
    const many = await asked((trx) => gate.evaluateMany!(trx, subjects));
    const one = await asked(async (trx) => {
      const out: GateVerdict[] = [];
      for (const s of subjects) out.push(await gate.evaluate(trx, s));
      return out;
    });
    expect(many).toEqual(one);
    expect(many.verdicts[0].verdict).not.toBe('allow');
    expect(many.verdicts.slice(1).map((v) => v.verdict)).toEqual(['allow', 'allow']);
    expect(new Set(many.findings.map((f) => (f as { package_id: number }).package_id))).toEqual(new Set([vulnerable]));
  });
});
