import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Database } from '../store/db/schema.js';
import type { HostsStore } from '../store/sql/hosts.store.js';
import type { HostRequestsStore } from '../store/sql/host-requests.store.js';
import type { AgentHub } from './agent-hub.js';
import { type HostRequest, type HostRequestType, REQUEST_TYPES } from './host.types.js';

/** Minutes to wait before each new delivery attempt to an offline host; then the request fails. */
export const RETRY_MINUTES = [1, 5, 10];
const UPDATE_PARAMS = ['dry-run', 'ignore-exclusions', 'full-upgrade', 'keep-config-files'] as const;

export interface RequestDeps {
  db: Kysely<Database>;
  hosts: HostsStore;
  requests: HostRequestsStore;
  hub: AgentHub;
  audit: AuditService;
  clock: Clock;
  logger: Logger;
}

/** Normalises the `data` of a request to what the agent expects for its type. */
function requestData(type: HostRequestType, data: Record<string, unknown>): Record<string, unknown> {
  if (type === 'request-all-packages-update' || type === 'request-packages-update') {
    const given = (data['update-params'] ?? {}) as Record<string, unknown>;
    const params: Record<string, boolean> = {};
    for (const p of UPDATE_PARAMS) params[p] = given[p] === true || given[p] === 'true';
    if (type === 'request-all-packages-update') return { 'update-params': params };
    const packages = data.packages;
    if (!Array.isArray(packages) || packages.length === 0) throw new AppError('VALIDATION_FAILED', 'request-packages-update needs a non-empty "packages" list');
    return {
      'update-params': params,
      packages: packages.map((p: unknown) => {
        const o = (typeof p === 'string' ? { name: p } : p) as { name?: unknown; target_version?: unknown };
        if (typeof o?.name !== 'string' || o.name === '') throw new AppError('VALIDATION_FAILED', 'each package needs a name');
        return typeof o.target_version === 'string' && o.target_version ? { name: o.name, target_version: o.target_version } : { name: o.name };
      }),
    };
  }
  return {};
}

/**
 * Requests to agents (general infos, package infos, updates, profile refresh, disconnect): stored first,
 * then pushed over the agent's WebSocket. States: new → sent → running → completed | failed, or canceled.
 * A host that is offline is retried after 1, 5 and 10 minutes, then the request fails.
 */
export class RequestService {
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: RequestDeps) {}

  async create(actor: Actor, hostId: number, type: string, data: Record<string, unknown> = {}): Promise<HostRequest> {
    if (!(REQUEST_TYPES as readonly string[]).includes(type)) throw new AppError('VALIDATION_FAILED', `unknown request type ${type}`);
    const normalised = requestData(type as HostRequestType, data);
    const request = await this.deps.db.transaction().execute(async (trx) => {
      if (!(await this.deps.hosts.getById(hostId, trx))) throw new AppError('NOT_FOUND', `Host ${hostId} does not exist`);
      const created = await this.deps.requests.create(trx, { hostId, type, data: normalised, createdAt: this.deps.clock.now().toISOString(), createdBy: actor.username });
      await this.deps.audit.record(trx, { actor, action: 'HOST_REQUEST', result: 'SUCCESS', detail: { host: hostId, request: created.id, type } });
      return created;
    });
    await this.deliverDue(hostId);
    return (await this.deps.requests.get(request.id)) ?? request;
  }

  list(hostId: number): Promise<HostRequest[]> {
    return this.deps.requests.listForHost(hostId);
  }

  async cancel(actor: Actor, hostId: number, requestId: number): Promise<HostRequest> {
    return this.deps.db.transaction().execute(async (trx) => {
      const request = await this.deps.requests.get(requestId, trx);
      if (!request || request.hostId !== hostId) throw new AppError('NOT_FOUND', `Request ${requestId} does not exist`);
      const ok = await this.deps.requests.transition(requestId, ['new', 'sent', 'running'], { state: 'canceled', finished_at: this.deps.clock.now().toISOString() }, trx);
      if (!ok) throw new AppError('REQUEST_NOT_CANCELABLE', `Request ${requestId} is already ${request.state}`);
      await this.deps.audit.record(trx, { actor, action: 'HOST_REQUEST', result: 'SUCCESS', detail: { host: hostId, request: requestId, canceled: true } });
      return (await this.deps.requests.get(requestId, trx))!;
    });
  }

  /** Pushes the host's due requests if its agent is connected to this node. */
  async deliverDue(hostId: number): Promise<void> {
    const conn = this.deps.hub.get(hostId);
    if (!conn) return;
    for (const r of await this.deps.requests.due(this.deps.clock.now().toISOString(), hostId)) {
      const claimed = await this.deps.requests.transition(r.id, ['new'], { state: 'sent', sent_at: this.deps.clock.now().toISOString(), attempts: r.attempts + 1 });
      if (claimed) conn.send({ 'request-id': r.id, request: r.type, data: r.data });
    }
  }

  /**
   * One pass over due requests: deliver to agents connected here; schedule the next attempt (or fail) for
   * hosts connected nowhere; leave alone hosts connected to another node, which delivers them itself.
   */
  async sweep(): Promise<void> {
    const now = this.deps.clock.now();
    const due = await this.deps.requests.due(now.toISOString());
    const hostIds = [...new Set(due.map((r) => r.hostId))];
    const hosts = new Map((await this.deps.hosts.byIds(hostIds)).map((h) => [h.id, h]));
    for (const hostId of hostIds) {
      if (this.deps.hub.get(hostId)) {
        await this.deliverDue(hostId);
        continue;
      }
      if (hosts.get(hostId)?.wsConnected) continue;
      for (const r of due.filter((d) => d.hostId === hostId)) {
        if (r.attempts >= RETRY_MINUTES.length) {
          await this.deps.requests.transition(r.id, ['new'], { state: 'failed', finished_at: now.toISOString(), info: 'host unreachable', error: 'the host was not connected after all retries' });
        } else {
          const next = new Date(now.getTime() + RETRY_MINUTES[r.attempts]! * 60_000).toISOString();
          await this.deps.requests.transition(r.id, ['new'], { attempts: r.attempts + 1, next_attempt_at: next, info: `host offline, retry ${r.attempts + 1} at ${next}` });
        }
      }
    }
  }

  /** Stores what the agent answers for a request of its own: status, summary, error, log. */
  async recordResponse(hostId: number, response: Record<string, unknown>): Promise<string[]> {
    const id = Number(response['request-id']);
    const request = Number.isInteger(id) ? await this.deps.requests.get(id) : undefined;
    if (!request || request.hostId !== hostId) throw new AppError('NOT_FOUND', 'no such request for this host');
    const status = String(response.status ?? '');
    const stored: string[] = [];
    const set: Record<string, unknown> = {};
    if (status === 'running' || status === 'completed' || status === 'failed') {
      set.state = status;
      stored.push('status');
      if (status !== 'running') set.finished_at = this.deps.clock.now().toISOString();
    }
    if (response.summary !== undefined) {
      set.summary = JSON.stringify(typeof response.summary === 'object' && response.summary !== null ? response.summary : { value: response.summary });
      stored.push('summary');
    }
    if (typeof response.error === 'string') {
      set.error = response.error.slice(0, 64 * 1024);
      stored.push('error');
    }
    if (typeof response.log === 'string') {
      set.log = response.log.slice(0, 4 * 1024 * 1024);
      stored.push('log');
    }
    if (typeof response.info === 'string') set.info = response.info.slice(0, 4096);
    if (stored.length > 0) await this.deps.requests.transition(id, ['sent', 'running'], set);
    return stored;
  }

  start(intervalMs: number): void {
    this.timer ??= setInterval(() => {
      this.sweep().catch((err: unknown) => this.deps.logger.warn({ err }, 'host request sweep failed'));
    }, intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
