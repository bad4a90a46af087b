import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import type { Database } from '../store/db/schema.js';
import type { HostsStore } from '../store/sql/hosts.store.js';
import type { FleetPackageRow, HostsInventoryStore } from '../store/sql/hosts-inventory.store.js';
import type { Host, HostFilter, HostStatusUpdate } from './host.types.js';
import { releaseOf } from './os-release.js';

// Compared against when the auth id is unknown, so unknown and known ids cost the same.
const DUMMY_HASH = sha256Hex('packyard-no-such-host');

export interface HostDeps {
  db: Kysely<Database>;
  hosts: HostsStore;
  inventory: HostsInventoryStore;
  audit: AuditService;
  clock: Clock;
  /** Called after a host is deleted, so an open agent connection can be told to go away. */
  onDeleted?: (hostId: number) => void;
}

/** The actor recorded for what a host does with its own credential. */
export function hostActor(host: Host, ip?: string): Actor {
  return { username: `host:${host.hostname}`, role: 'host', ip };
}

export class HostService {
  constructor(private readonly deps: HostDeps) {}

  async register(actor: Actor, input: { hostname: string; ip: string }): Promise<{ host: Host; token: string }> {
    const authId = `id_${randomBytes(16).toString('hex')}`;
    const token = randomBytes(16).toString('hex');
    const now = this.deps.clock.now().toISOString();
    try {
      const host = await this.deps.db.transaction().execute(async (trx) => {
        if (await this.deps.hosts.getByHostname(input.hostname, trx)) throw new AppError('HOST_ALREADY_REGISTERED', `Host ${input.hostname} is already registered`);
        const created = await this.deps.hosts.create(trx, { authId, tokenHash: sha256Hex(token), hostname: input.hostname, ip: input.ip, registeredAt: now });
        await this.deps.audit.record(trx, { actor, action: 'HOST_REGISTER', result: 'SUCCESS', detail: { host: created.id, hostname: input.hostname, ip: input.ip } });
        return created;
      });
      return { host, token };
    } catch (err) {
      // Two registrations of one hostname racing: the unique index decides, the loser gets the same 409.
      if (!(err instanceof AppError) && (await this.deps.hosts.getByHostname(input.hostname))) {
        throw new AppError('HOST_ALREADY_REGISTERED', `Host ${input.hostname} is already registered`);
      }
      throw err;
    }
  }

  /** `Authorization: Host <auth id>:<token>`: one indexed lookup, then a constant-time hash comparison. */
  async authenticate(authId: string, token: string): Promise<Host> {
    const found = await this.deps.hosts.credentials(authId);
    const expected = Buffer.from(found?.tokenHash ?? DUMMY_HASH, 'hex');
    const given = Buffer.from(sha256Hex(token), 'hex');
    if (!found || !timingSafeEqual(expected, given)) throw new AppError('AUTH_INVALID', 'Authentication error: invalid host id or token');
    return found.host;
  }

  async unregister(actor: Actor, host: Host): Promise<void> {
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.hosts.delete(trx, host.id);
      await this.deps.audit.record(trx, { actor, action: 'HOST_DELETE', result: 'SUCCESS', detail: { host: host.id, hostname: host.hostname } });
    });
    this.deps.onDeleted?.(host.id);
  }

  async unregisterByHostname(actor: Actor, hostname: string): Promise<void> {
    const host = await this.deps.hosts.getByHostname(hostname);
    if (!host) throw new AppError('NOT_FOUND', `Host ${hostname} does not exist`);
    await this.unregister(actor, host);
  }

  /** Applies the fields the agent sent; returns one message per field, as Repomanager answers. */
  async updateStatus(host: Host, update: HostStatusUpdate): Promise<string[]> {
    if (update.hostname !== undefined && update.hostname !== host.hostname) {
      const other = await this.deps.hosts.getByHostname(update.hostname);
      if (other) throw new AppError('HOST_ALREADY_REGISTERED', `Host ${update.hostname} is already registered`);
    }
    const os = update.os ?? host.os;
    const osVersion = update.osVersion ?? host.osVersion;
    const full: HostStatusUpdate = { ...update, release: releaseOf(os, osVersion) };
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.hosts.updateStatus(trx, host.id, full, this.deps.clock.now().toISOString());
    });
    return Object.keys(update).map((k) => `${k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} updated successfully.`);
  }

  list(filter: HostFilter = {}): Promise<Host[]> {
    return this.deps.hosts.list(filter);
  }

  async get(id: number): Promise<Host> {
    const host = await this.deps.hosts.getById(id);
    if (!host) throw new AppError('NOT_FOUND', `Host ${id} does not exist`);
    return host;
  }

  async installed(id: number) {
    await this.get(id);
    return this.deps.inventory.installed(id);
  }

  async available(id: number) {
    await this.get(id);
    return this.deps.inventory.available(id);
  }

  async history(id: number) {
    await this.get(id);
    return this.deps.inventory.history(id);
  }

  async events(id: number) {
    await this.get(id);
    return this.deps.inventory.events(id);
  }

  /**
   * Hosts that have `name` installed now (optionally exactly `version`). A `*` in the name is a wildcard;
   * without one the match is exact and served by the (name, version) index.
   */
  async withPackage(name: string, version?: string): Promise<{ hostId: number; hostname: string; packages: FleetPackageRow[] }[]> {
    const rows = name.includes('*')
      ? await this.deps.inventory.hostsWithPackage({ like: name.replace(/[%_\\]/g, '').replace(/\*/g, '%'), version })
      : await this.deps.inventory.hostsWithPackage({ name, version });
    const byHost = new Map<number, { hostId: number; hostname: string; packages: FleetPackageRow[] }>();
    for (const r of rows) {
      let entry = byHost.get(r.hostId);
      if (!entry) byHost.set(r.hostId, (entry = { hostId: r.hostId, hostname: r.hostname, packages: [] }));
      entry.packages.push(r);
    }
    return [...byHost.values()];
  }

  /** Hosts split by their number of pending updates against the threshold (Repomanager's default: 1). */
  async byUpdateState(outdated: boolean, threshold = 1): Promise<{ host: Host; updates: { name: string; arch: string; version: string }[] }[]> {
    const [hosts, pending] = await Promise.all([this.deps.hosts.list(), this.deps.inventory.availableByHost()]);
    return hosts
      .map((host) => ({ host, updates: pending.get(host.id) ?? [] }))
      .filter((h) => (h.updates.length >= threshold) === outdated);
  }
}
