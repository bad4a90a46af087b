import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Host, HostFilter, HostStatusUpdate } from '../../hosts/host.types.js';
import type { Database } from '../db/schema.js';
import type { HostsTable } from '../db/tables/hosts.tables.js';

/** Every column but token_hash: no listing can return the credential, not even hashed. */
const PUBLIC_COLUMNS = [
  'id', 'auth_id', 'hostname', 'ip', 'os', 'os_version', 'os_family', 'release', 'type', 'cpu', 'ram', 'network', 'kernel',
  'arch', 'profile', 'env', 'agent_status', 'agent_version', 'reboot_required', 'uptime', 'registered_at', 'last_seen_at',
  'inventory_at', 'ws_connected',
] as const;

type PublicRow = Pick<Selectable<HostsTable>, (typeof PUBLIC_COLUMNS)[number]>;

export function toHost(r: PublicRow): Host {
  return {
    id: r.id,
    authId: r.auth_id,
    hostname: r.hostname,
    ip: r.ip,
    os: r.os,
    osVersion: r.os_version,
    osFamily: r.os_family,
    release: r.release,
    type: r.type,
    cpu: r.cpu,
    ram: r.ram,
    network: r.network,
    kernel: r.kernel,
    arch: r.arch,
    profile: r.profile,
    env: r.env,
    agentStatus: r.agent_status,
    agentVersion: r.agent_version,
    rebootRequired: r.reboot_required === 1,
    uptime: r.uptime,
    registeredAt: r.registered_at,
    lastSeenAt: r.last_seen_at,
    inventoryAt: r.inventory_at,
    wsConnected: r.ws_connected === 1,
  };
}

const STATUS_COLUMNS: Record<keyof HostStatusUpdate, keyof HostsTable> = {
  hostname: 'hostname',
  os: 'os',
  osVersion: 'os_version',
  osFamily: 'os_family',
  release: 'release',
  type: 'type',
  cpu: 'cpu',
  ram: 'ram',
  network: 'network',
  kernel: 'kernel',
  arch: 'arch',
  profile: 'profile',
  env: 'env',
  agentStatus: 'agent_status',
  agentVersion: 'agent_version',
  rebootRequired: 'reboot_required',
  uptime: 'uptime',
};

export class HostsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(trx: Kysely<Database>, h: { authId: string; tokenHash: string; hostname: string; ip: string; registeredAt: string }): Promise<Host> {
    const row = await trx
      .insertInto('hosts')
      .values({ auth_id: h.authId, token_hash: h.tokenHash, hostname: h.hostname, ip: h.ip, registered_at: h.registeredAt, last_seen_at: h.registeredAt })
      .returning(PUBLIC_COLUMNS)
      .executeTakeFirstOrThrow();
    return toHost(row);
  }

  /** The credential check's one lookup: the host and its token hash by the public auth id. */
  async credentials(authId: string): Promise<{ host: Host; tokenHash: string } | undefined> {
    const row = await this.db.selectFrom('hosts').select([...PUBLIC_COLUMNS, 'token_hash']).where('auth_id', '=', authId).executeTakeFirst();
    return row && { host: toHost(row), tokenHash: row.token_hash };
  }

  async getById(id: number, trx: Kysely<Database> = this.db): Promise<Host | undefined> {
    const row = await trx.selectFrom('hosts').select(PUBLIC_COLUMNS).where('id', '=', id).executeTakeFirst();
    return row && toHost(row);
  }

  async getByHostname(hostname: string, trx: Kysely<Database> = this.db): Promise<Host | undefined> {
    const row = await trx.selectFrom('hosts').select(PUBLIC_COLUMNS).where('hostname', '=', hostname).executeTakeFirst();
    return row && toHost(row);
  }

  async delete(trx: Kysely<Database>, id: number): Promise<void> {
    await trx.deleteFrom('hosts').where('id', '=', id).execute();
  }

  async updateStatus(trx: Kysely<Database>, id: number, u: HostStatusUpdate, seenAt: string): Promise<void> {
    const set: Updateable<HostsTable> = { last_seen_at: seenAt };
    for (const [key, value] of Object.entries(u)) {
      if (value === undefined) continue;
      const col = STATUS_COLUMNS[key as keyof HostStatusUpdate];
      (set as Record<string, unknown>)[col] = typeof value === 'boolean' ? (value ? 1 : 0) : value;
    }
    await trx.updateTable('hosts').set(set).where('id', '=', id).execute();
  }

  async touch(trx: Kysely<Database>, id: number, at: string, inventory = false): Promise<void> {
    await trx
      .updateTable('hosts')
      .set(inventory ? { last_seen_at: at, inventory_at: at } : { last_seen_at: at })
      .where('id', '=', id)
      .execute();
  }

  async setConnected(id: number, connected: boolean, at: string): Promise<void> {
    await this.db.updateTable('hosts').set({ ws_connected: connected ? 1 : 0, last_seen_at: at }).where('id', '=', id).execute();
  }

  async list(f: HostFilter = {}): Promise<Host[]> {
    let q = this.db.selectFrom('hosts').select(PUBLIC_COLUMNS);
    if (f.os !== undefined) q = q.where('os', '=', f.os);
    if (f.osVersion !== undefined) q = q.where('os_version', '=', f.osVersion);
    if (f.kernel !== undefined) q = q.where('kernel', '=', f.kernel);
    if (f.arch !== undefined) q = q.where('arch', '=', f.arch);
    if (f.profile !== undefined) q = q.where('profile', '=', f.profile);
    if (f.env !== undefined) q = q.where('env', '=', f.env);
    const rows = await q.orderBy('id').execute();
    return rows.map(toHost);
  }

  async byIds(ids: number[]): Promise<Host[]> {
    if (ids.length === 0) return [];
    const out: Host[] = [];
    for (let i = 0; i < ids.length; i += 5000) {
      const rows = await this.db.selectFrom('hosts').select(PUBLIC_COLUMNS).where('id', 'in', ids.slice(i, i + 5000)).orderBy('id').execute();
      out.push(...rows.map(toHost));
    }
    return out;
  }
}
