import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentHub } from '../../src/hosts/agent-hub.js';
import { RequestService } from '../../src/hosts/request.service.js';
import { startTestServer, type TestServer } from '../helpers/app.js';

let srv: TestServer;
const admin = { username: 'admin', role: 'admin' };

beforeAll(async () => {
  srv = await startTestServer();
});
afterAll(async () => srv?.close());

describe('requests to an offline host', () => {
  it('are retried after 1, 5 and 10 minutes, then fail', async () => {
    let now = new Date('2026-01-01T00:00:00.000Z');
    const c = srv.container;
    const service = new RequestService({ db: c.db, hosts: c.stores.hosts, requests: c.stores.hostRequests, hub: new AgentHub(), audit: c.audit, clock: { now: () => now }, logger: c.logger });
    const { host } = await c.hosts.registry.register(admin, { hostname: 'offline.example', ip: '' });
    const req = await service.create(admin, host.id, 'request-general-infos');
    const state = async () => (await c.stores.hostRequests.get(req.id))!;
    const at = (minutes: number) => new Date(Date.parse('2026-01-01T00:00:00.000Z') + minutes * 60_000);

    await service.sweep();
    expect(await state()).toMatchObject({ state: 'new', attempts: 1, nextAttemptAt: at(1).toISOString() });
    now = at(0.5);
    await service.sweep();
    expect((await state()).attempts).toBe(1);
    now = at(1);
    await service.sweep();
    expect(await state()).toMatchObject({ state: 'new', attempts: 2, nextAttemptAt: at(6).toISOString() });
    now = at(6);
    await service.sweep();
    expect(await state()).toMatchObject({ state: 'new', attempts: 3, nextAttemptAt: at(16).toISOString() });
    now = at(16);
    await service.sweep();
    expect(await state()).toMatchObject({ state: 'failed', info: 'host unreachable' });
    expect((await state()).finishedAt).toBe(at(16).toISOString());
  });

  it('are delivered when the host connects before the retries run out', async () => {
    let now = new Date('2026-01-02T00:00:00.000Z');
    const c = srv.container;
    const hub = new AgentHub();
    const service = new RequestService({ db: c.db, hosts: c.stores.hosts, requests: c.stores.hostRequests, hub, audit: c.audit, clock: { now: () => now }, logger: c.logger });
    const { host } = await c.hosts.registry.register(admin, { hostname: 'late.example', ip: '' });
    const req = await service.create(admin, host.id, 'update-profile');
    await service.sweep();
    const sent: unknown[] = [];
    hub.attach(host.id, { send: (m) => sent.push(m), close: () => {} });
    now = new Date(now.getTime() + 60_000);
    await service.sweep();
    expect(sent).toEqual([{ 'request-id': req.id, request: 'update-profile', data: {} }]);
    expect((await c.stores.hostRequests.get(req.id))!.state).toBe('sent');
  });
});
