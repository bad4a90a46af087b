import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { isAppError } from '../core/errors.js';
import type { HostsStore } from '../store/sql/hosts.store.js';
import type { AgentConnection, AgentHub } from './agent-hub.js';
import type { HostService } from './host.service.js';
import type { Host } from './host.types.js';
import type { RequestService } from './request.service.js';

export interface AgentSessionDeps {
  hosts: HostService;
  hostsStore: HostsStore;
  requests: RequestService;
  hub: AgentHub;
  clock: Clock;
  logger: Logger;
}

const MAX_MESSAGE = 8 * 1024 * 1024;

/**
 * The agent side of GET /ws, as linupdate speaks it:
 *   agent  {"connection-type":"host"}
 *   server {"request":"authenticate"}
 *   agent  {"response-to-request":{"request":"authenticate","auth-id":"id_…","token":"…"}}
 *   server {"info":"Authentication successful"}  (or {"error":…} and close)
 * then the server pushes {"request-id":N,"request":"<type>","data":{…}} and the agent answers
 * {"response-to-request":{"request-id":N,"status":…,"summary":…,"error":…,"log":…}}, acknowledged with
 * {"info":"Request response received","request-id":N,"data":[stored fields]}.
 */
export class AgentSession {
  private state: 'hello' | 'authenticating' | 'ready' | 'closed' = 'hello';
  private host: Host | undefined;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly deps: AgentSessionDeps,
    private readonly conn: AgentConnection,
  ) {}

  /** Messages are handled one at a time, in arrival order. */
  receive(raw: string): Promise<void> {
    this.queue = this.queue.then(() => this.handle(raw)).catch((err: unknown) => this.deps.logger.warn({ err }, 'agent message failed'));
    return this.queue;
  }

  async closed(): Promise<void> {
    this.state = 'closed';
    if (this.host && this.deps.hub.detach(this.host.id, this.conn)) {
      await this.deps.hostsStore.setConnected(this.host.id, false, this.deps.clock.now().toISOString());
    }
  }

  private fail(message: string): void {
    this.conn.send({ error: message });
    this.conn.close();
    this.state = 'closed';
  }

  private async handle(raw: string): Promise<void> {
    if (this.state === 'closed') return;
    let msg: Record<string, unknown>;
    try {
      if (raw.length > MAX_MESSAGE) throw new Error('too large');
      msg = JSON.parse(raw) as Record<string, unknown>;
      if (!msg || typeof msg !== 'object') throw new Error('not an object');
    } catch {
      this.conn.send({ error: 'Invalid message: expected a JSON object' });
      return;
    }
    if (this.state === 'hello') {
      if (msg['connection-type'] !== 'host') return this.fail('Unsupported connection type');
      this.state = 'authenticating';
      this.conn.send({ request: 'authenticate' });
      return;
    }
    const response = msg['response-to-request'] as Record<string, unknown> | undefined;
    if (!response || typeof response !== 'object') {
      this.conn.send({ error: 'Invalid message: expected "response-to-request"' });
      return;
    }
    if (this.state === 'authenticating') return this.authenticate(response);
    await this.answer(response);
  }

  private async authenticate(response: Record<string, unknown>): Promise<void> {
    const authId = response['auth-id'];
    const token = response.token;
    if (response.request !== 'authenticate' || typeof authId !== 'string' || typeof token !== 'string') return this.fail('Authentication error: auth-id and token required');
    try {
      this.host = await this.deps.hosts.authenticate(authId, token);
    } catch {
      return this.fail('Authentication error: invalid host id or token');
    }
    this.state = 'ready';
    this.deps.hub.attach(this.host.id, this.conn);
    await this.deps.hostsStore.setConnected(this.host.id, true, this.deps.clock.now().toISOString());
    this.conn.send({ info: 'Authentication successful' });
    await this.deps.requests.deliverDue(this.host.id);
  }

  private async answer(response: Record<string, unknown>): Promise<void> {
    try {
      const stored = await this.deps.requests.recordResponse(this.host!.id, response);
      this.conn.send({ info: 'Request response received', 'request-id': response['request-id'], data: stored });
    } catch (err) {
      this.conn.send({ error: isAppError(err) ? err.message : 'Could not store the response', 'request-id': response['request-id'] });
    }
  }
}
