import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startListeningServer } from '../../helpers/http-server.js';
import type { TestServer } from '../../helpers/app.js';

let srv: TestServer & { url: string };
let jwt: string;
let host: { id: string; token: string };
let hostDbId: number;

/** A linupdate-like client: a queue of received JSON messages. */
class Agent {
  readonly ws: WebSocket;
  private readonly inbox: Record<string, unknown>[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  constructor(url: string) {
    this.ws = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
    this.ws.on('message', (d) => {
      this.inbox.push(JSON.parse(d.toString()) as Record<string, unknown>);
      for (const w of this.waiters.splice(0)) w();
    });
    this.ws.on('close', () => {
      this.closed = true;
      for (const w of this.waiters.splice(0)) w();
    });
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
  }

  send(msg: unknown): void {
    this.ws.send(JSON.stringify(msg));
  }

  async next(): Promise<Record<string, unknown>> {
    // Generous: on a loaded CI machine a message once took more than 10 s (the suite runs 77 files at once).
    const deadline = Date.now() + 30_000;
    while (this.inbox.length === 0) {
      if (this.closed) throw new Error('connection closed');
      if (Date.now() > deadline) throw new Error('no message');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 200);
      });
    }
    return this.inbox.shift()!;
  }
}

async function api(method: string, url: string, body?: unknown) {
  const res = await fetch(`${srv.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${jwt}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  srv = await startListeningServer();
  jwt = await srv.token();
  const key = (await api('POST', '/api/v1/auth/api-key')).body.api_key as string;
  const reg = await fetch(`${srv.url}/api/v2/host/registering`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hostname: 'ws-host.example', ip: '10.1.1.1' }),
  });
  host = ((await reg.json()) as { results: { id: string; token: string } }).results;
  hostDbId = (await srv.container.stores.hosts.credentials(host.id))!.host.id;
});
afterAll(async () => srv?.close());

describe('agent WebSocket channel', () => {
  it('refuses a wrong token and closes', async () => {
    const agent = new Agent(srv.url);
    await agent.open();
    agent.send({ 'connection-type': 'host' });
    expect(await agent.next()).toEqual({ request: 'authenticate' });
    agent.send({ 'response-to-request': { request: 'authenticate', 'auth-id': host.id, token: 'f'.repeat(32) } });
    expect((await agent.next()).error).toMatch(/Authentication error/);
    await expect(agent.next()).rejects.toThrow('connection closed');
  });

  it('authenticates, receives queued and new requests, and stores the responses', async () => {
    const queued = await api('POST', `/api/v1/hosts/${hostDbId}/requests`, { request: 'request-packages-infos' });
    expect(queued.status).toBe(201);
    expect(queued.body.state).toBe('new');

    const agent = new Agent(srv.url);
    await agent.open();
    agent.send({ 'connection-type': 'host' });
    expect(await agent.next()).toEqual({ request: 'authenticate' });
    agent.send({ 'response-to-request': { request: 'authenticate', 'auth-id': host.id, token: host.token } });
    expect(await agent.next()).toEqual({ info: 'Authentication successful' });
    expect(await agent.next()).toEqual({ 'request-id': queued.body.id, request: 'request-packages-infos', data: {} });

    agent.send({ 'response-to-request': { 'request-id': queued.body.id, status: 'running' } });
    expect(await agent.next()).toEqual({ info: 'Request response received', 'request-id': queued.body.id, data: ['status'] });
    agent.send({ 'response-to-request': { 'request-id': queued.body.id, status: 'completed', summary: { sent: 3 }, log: 'sent installed packages\n' } });
    expect(await agent.next()).toEqual({ info: 'Request response received', 'request-id': queued.body.id, data: ['status', 'summary', 'log'] });

    // Created while connected: pushed at once, with the normalised update parameters and package list.
    const live = await api('POST', `/api/v1/hosts/${hostDbId}/requests`, {
      request: 'request-packages-update',
      data: { 'update-params': { 'dry-run': 'true' }, packages: [{ name: 'openssl', target_version: '3.0.2-0ubuntu1.12' }, 'curl'] },
    });
    expect(live.status).toBe(201);
    expect(live.body.state).toBe('sent');
    expect(await agent.next()).toEqual({
      'request-id': live.body.id,
      request: 'request-packages-update',
      data: {
        'update-params': { 'dry-run': true, 'ignore-exclusions': false, 'full-upgrade': false, 'keep-config-files': false },
        packages: [{ name: 'openssl', target_version: '3.0.2-0ubuntu1.12' }, { name: 'curl' }],
      },
    });
    agent.send({ 'response-to-request': { 'request-id': live.body.id, status: 'failed', error: 'dpkg lock held', log: 'E: Could not get lock' } });
    expect((await agent.next()).data).toEqual(['status', 'error', 'log']);

    // A request id of another host (or none) is refused without touching anything.
    agent.send({ 'response-to-request': { 'request-id': 999999, status: 'completed' } });
    expect((await agent.next()).error).toBeTruthy();

    const list = await api('GET', `/api/v1/hosts/${hostDbId}/requests`);
    const byId = Object.fromEntries(list.body.items.map((r: { id: number }) => [r.id, r]));
    expect(byId[queued.body.id]).toMatchObject({ state: 'completed', summary: { sent: 3 }, log: 'sent installed packages\n' });
    expect(byId[queued.body.id].finished_at).toBeTruthy();
    expect(byId[live.body.id]).toMatchObject({ state: 'failed', error: 'dpkg lock held', log: 'E: Could not get lock' });
    expect((await srv.container.stores.hosts.getById(hostDbId))!.wsConnected).toBe(true);

    agent.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    expect((await srv.container.stores.hosts.getById(hostDbId))!.wsConnected).toBe(false);
  });

  it('cancels a request that has not finished; a finished one answers 409', async () => {
    const created = await api('POST', `/api/v1/hosts/${hostDbId}/requests`, { request: 'request-general-infos' });
    const canceled = await api('DELETE', `/api/v1/hosts/${hostDbId}/requests/${created.body.id}`);
    expect(canceled.status).toBe(200);
    expect(canceled.body.state).toBe('canceled');
    expect((await api('DELETE', `/api/v1/hosts/${hostDbId}/requests/${created.body.id}`)).status).toBe(409);
    expect((await api('DELETE', `/api/v1/hosts/${hostDbId}/requests/999999`)).status).toBe(404);
    expect((await api('POST', `/api/v1/hosts/999999/requests`, { request: 'request-general-infos' })).status).toBe(404);
    expect((await api('POST', `/api/v1/hosts/${hostDbId}/requests`, { request: 'format-disk' })).status).toBe(400);
    const audit = await srv.container.db.selectFrom('audit_events').select('detail').where('action', '=', 'HOST_REQUEST').execute();
    expect(audit.length).toBeGreaterThanOrEqual(3);
  });

  it('a deleted host is disconnected', async () => {
    const agent = new Agent(srv.url);
    await agent.open();
    agent.send({ 'connection-type': 'host' });
    await agent.next();
    agent.send({ 'response-to-request': { request: 'authenticate', 'auth-id': host.id, token: host.token } });
    expect(await agent.next()).toEqual({ info: 'Authentication successful' });
    const res = await fetch(`${srv.url}/api/v2/host/registering`, { method: 'DELETE', headers: { authorization: `Host ${host.id}:${host.token}` } });
    expect(res.status).toBe(200);
    expect(await agent.next()).toEqual({ request: 'disconnect' });
    await expect(agent.next()).rejects.toThrow('connection closed');
  });
});
