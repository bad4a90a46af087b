import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { AppError } from '../../src/core/errors.js';
import { PromotionService } from '../../src/repo/promotion.service.js';
import type { GateSubject, GateVerdict, PackageGate } from '../../src/security/gate.js';
import { multipart, startTestServer, type TestServer } from '../helpers/app.js';
import { buildDeb } from '../helpers/build-packages.js';
import { debEntries } from '../helpers/roles.js';
import { skipWithout } from '../helpers/tools.js';

/** A gate whose verdict the test sets, recording what it was asked. */
function fakeGate(): PackageGate & { next: GateVerdict; asked: GateSubject[] } {
  const gate = {
    next: { verdict: 'allow', reason: 'fine' } as GateVerdict,
    asked: [] as GateSubject[],
    evaluate: async (_db: unknown, subject: GateSubject) => {
      gate.asked.push(subject);
      return gate.next;
    },
  };
  return gate;
}

describe.skipIf(skipWithout(['dpkg-deb']))('PromotionService asks the security gate', () => {
  let srv: TestServer;
  let gate: ReturnType<typeof fakeGate>;
  let service: PromotionService;
  let gatedApp: FastifyInstance;
  const actor = { username: 'admin', role: 'admin' };
  const served = async (dist: string) => debEntries((await srv.app.inject({ url: `/repos/dists/${dist}/main/binary-amd64/Packages` })).body);
  const events = async (result: string) => (await srv.container.stores.audit.pageFrom(0, 1000)).filter((e) => e.action === 'PROMOTE' && e.result === result);

  beforeAll(async () => {
    srv = await startTestServer();
    const body = multipart({ distribution: 'jammy' }, { filename: 'risky_1.0_amd64.deb', content: buildDeb({ name: 'risky', version: '1.0' }) });
    const up = await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${await srv.token()}` } });
    expect(up.statusCode).toBe(200);
    gate = fakeGate();
    const c = srv.container;
    service = new PromotionService({ db: c.db, ...c.stores, gate, audit: c.audit, publisher: c.publisher, clock: c.clock });
    gatedApp = await buildApp({ ...c, promotion: service });
    await gatedApp.ready();
  });
  afterAll(async () => {
    await gatedApp?.close();
    await srv?.close();
  });

  it('asks about the target distribution for each file', async () => {
    gate.next = { verdict: 'review', reason: 'CVE-2026-0001 needs review', summary: { total: 1, bySeverity: { high: 1 }, advisories: ['CVE-2026-0001'] } };
    const noble = (await srv.container.stores.repositories.getByName('noble'))!;
    const risky = (await srv.container.stores.catalog.liveRows({ name: 'risky' }))[0];
    await service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'noble' });
    expect(gate.asked.at(-1)).toEqual({ packageId: risky.packageId, repositoryId: noble.id });
  });

  it('review: answers pending_review and adds nothing', async () => {
    gate.next = { verdict: 'review', reason: 'CVE-2026-0001 needs review', summary: { total: 1, bySeverity: { high: 1 }, advisories: ['CVE-2026-0001'] } };
    const head = (await srv.container.stores.repositories.getByName('noble'))!.headSnapshot;
    const result = await service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'noble' });
    expect(result).toMatchObject({ status: 'pending_review', snapshot: null, policy_verdict: { verdict: 'review', reviewing: ['CVE-2026-0001'] } });
    expect((await srv.container.stores.repositories.getByName('noble'))!.headSnapshot).toBe(head);
    expect(await served('noble')).toEqual([]);
    expect((await events('PENDING')).length).toBeGreaterThanOrEqual(1);

    const http = await gatedApp.inject({ method: 'POST', url: '/api/v1/distributions/promote', payload: { package: 'risky', from_dist: 'jammy', to_dist: 'noble' }, headers: { authorization: `Bearer ${await srv.token()}` } });
    expect(http.statusCode).toBe(202);
    expect(http.json()).toMatchObject({ status: 'pending_review', package: 'risky', to_dist: 'noble' });
    expect(await served('noble')).toEqual([]);
  });

  it('block: refuses with 409 and the reason, even when forced', async () => {
    gate.next = { verdict: 'block', reason: 'critical CVE-2026-0002 (policy: block)', summary: { total: 1, bySeverity: { critical: 1 }, advisories: ['CVE-2026-0002'] } };
    const err = await service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'noble', force: true, justification: 'please' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('PROMOTION_BLOCKED');
    expect(await served('noble')).toEqual([]);

    const http = await gatedApp.inject({ method: 'POST', url: '/artifacts/risky/promote', payload: { from_dist: 'jammy', to_dist: 'noble' }, headers: { authorization: `Bearer ${await srv.token()}` } });
    expect(http.statusCode).toBe(409);
    expect(http.json()).toMatchObject({ code: 'PROMOTION_BLOCKED', status: 'blocked', policy_verdict: { verdict: 'block', blocking: ['CVE-2026-0002'] } });
    expect(http.json().message).toContain('critical CVE-2026-0002');
    expect(await served('noble')).toEqual([]);
    expect(await events('BLOCKED')).toHaveLength(2);
  });

  it('warn: promotes and passes the warning on', async () => {
    gate.next = { verdict: 'warn', reason: 'low CVE-2026-0003', summary: { total: 1, bySeverity: { low: 1 }, advisories: ['CVE-2026-0003'] } };
    const result = await service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'focal' });
    expect(result).toMatchObject({ status: 'promoted', warnings: ['CVE-2026-0003'] });
    expect(await served('focal')).toEqual(['risky 1.0 amd64']);
  });

  it('a package held by the gate outside the source distribution is refused with 409, not 404', async () => {
    const body = multipart({ distribution: 'jammy' }, { filename: 'held_1.0_amd64.deb', content: buildDeb({ name: 'held', version: '1.0' }) });
    const token = await srv.token();
    expect((await srv.app.inject({ method: 'POST', url: '/upload/', payload: body.payload, headers: { ...body.headers, authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    // Stored but not a member of jammy, as an upload the gate sent to review is.
    expect((await srv.app.inject({ method: 'DELETE', url: '/artifacts/held', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);

    gate.next = { verdict: 'review', reason: 'awaiting a decision on CVE-2026-0009' };
    const held = await gatedApp.inject({ method: 'POST', url: '/distributions/promote', payload: { package: 'held', from_dist: 'jammy', to_dist: 'noble' }, headers: { authorization: `Bearer ${token}` } });
    expect(held.statusCode).toBe(409);
    expect(held.json()).toMatchObject({ code: 'PROMOTION_BLOCKED', status: 'pending_review', version: '1.0' });
    expect(held.json().message).toContain('CVE-2026-0009');
    gate.next = { verdict: 'block', reason: 'critical' };
    expect((await service.promote(actor, { package: 'held', from_dist: 'jammy', to_dist: 'noble' }).catch((e: AppError) => e.details))).toMatchObject({ status: 'rejected' });

    gate.next = { verdict: 'allow', reason: 'fine' };
    await expect(service.promote(actor, { package: 'held', from_dist: 'jammy', to_dist: 'noble' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.promote(actor, { package: 'never-uploaded', from_dist: 'jammy', to_dist: 'noble' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('review can be forced by an admin with a justification, which is audited', async () => {
    gate.next = { verdict: 'review', reason: 'needs review' };
    await expect(service.promote({ username: 'm', role: 'maintainer' }, { package: 'risky', from_dist: 'jammy', to_dist: 'noble', force: true, justification: 'x' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'noble', force: true })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const result = await service.promote(actor, { package: 'risky', from_dist: 'jammy', to_dist: 'noble', force: true, justification: 'fixed upstream, backport pending' });
    expect(result.status).toBe('promoted');
    expect(await served('noble')).toEqual(['risky 1.0 amd64']);
    const forced = (await events('SUCCESS')).find((e) => e.distribution === 'noble');
    expect(forced?.detail).toMatchObject({ forced: true, justification: 'fixed upstream, backport pending', verdict: 'review' });
  });
});
