import { type Insertable, type Kysely, sql } from 'kysely';
import type { AvailablePackage, InstalledPackage, PackageEvent } from '../../hosts/host.types.js';
import type { Database } from '../db/schema.js';
import type { HostPackageHistoryTable, HostPackagesTable, HostPackageState } from '../db/tables/hosts.tables.js';

// Rows per multi-row statement: far below SQLite's 32,766 and PostgreSQL's 65,535 bound parameters.
const CHUNK = 1000;

function chunks<T>(rows: T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
}

export interface PackageRowInput {
  name: string;
  arch: string;
  version: string;
  state: HostPackageState;
  since: string;
}

export interface FleetPackageRow {
  hostId: number;
  hostname: string;
  name: string;
  arch: string;
  version: string;
}

/** The inventory of every host in one set of tables; every write takes the caller's transaction. */
export class HostsInventoryStore {
  constructor(private readonly db: Kysely<Database>) {}

  async current(trx: Kysely<Database>, hostId: number): Promise<InstalledPackage[]> {
    return trx.selectFrom('host_packages').select(['name', 'arch', 'version', 'state', 'since']).where('host_id', '=', hostId).execute();
  }

  /** Multi-row upsert keyed by (host_id, name, arch), the same statement on SQLite and PostgreSQL. */
  async upsertPackages(trx: Kysely<Database>, hostId: number, rows: PackageRowInput[]): Promise<void> {
    for (const part of chunks(rows)) {
      const values: Insertable<HostPackagesTable>[] = part.map((r) => ({ host_id: hostId, ...r }));
      await trx
        .insertInto('host_packages')
        .values(values)
        .onConflict((oc) =>
          oc.columns(['host_id', 'name', 'arch']).doUpdateSet((eb) => ({
            version: eb.ref('excluded.version'),
            state: eb.ref('excluded.state'),
            since: eb.ref('excluded.since'),
          })),
        )
        .execute();
    }
  }

  async insertHistory(trx: Kysely<Database>, hostId: number, rows: Omit<Insertable<HostPackageHistoryTable>, 'host_id' | 'id'>[]): Promise<void> {
    for (const part of chunks(rows)) {
      await trx
        .insertInto('host_package_history')
        .values(part.map((r) => ({ host_id: hostId, ...r })))
        .execute();
    }
  }

  async history(hostId: number): Promise<{ name: string; arch: string; version: string; state: string; since: string; until: string }[]> {
    return this.db
      .selectFrom('host_package_history')
      .select(['name', 'arch', 'version', 'state', 'since', 'until'])
      .where('host_id', '=', hostId)
      .orderBy('id')
      .execute();
  }

  /** The available updates are a snapshot of what the host last reported: replaced as a whole. */
  async replaceAvailable(trx: Kysely<Database>, hostId: number, rows: AvailablePackage[]): Promise<void> {
    await trx.deleteFrom('host_available').where('host_id', '=', hostId).execute();
    for (const part of chunks(rows)) {
      await trx
        .insertInto('host_available')
        .values(part.map((r) => ({ host_id: hostId, name: r.name, arch: r.arch, version: r.version, repository: r.repository, security: r.security ? 1 : 0 })))
        .execute();
    }
  }

  async installed(hostId: number): Promise<InstalledPackage[]> {
    return this.db
      .selectFrom('host_packages')
      .select(['name', 'arch', 'version', 'state', 'since'])
      .where('host_id', '=', hostId)
      .orderBy('name')
      .orderBy('arch')
      .execute();
  }

  async available(hostId: number): Promise<(AvailablePackage & { currentVersion: string | null })[]> {
    const rows = await this.db
      .selectFrom('host_available as a')
      .leftJoin('host_packages as p', (j) => j.onRef('p.host_id', '=', 'a.host_id').onRef('p.name', '=', 'a.name').onRef('p.arch', '=', 'a.arch'))
      .select(['a.name', 'a.arch', 'a.version', 'a.repository', 'a.security', 'p.version as current'])
      .where('a.host_id', '=', hostId)
      .orderBy('a.name')
      .orderBy('a.arch')
      .execute();
    return rows.map((r) => ({ name: r.name, arch: r.arch, version: r.version, repository: r.repository, security: r.security === 1, currentVersion: r.current }));
  }

  /** Hosts that have a package installed now; uses the (name, version) index. `like` takes a LIKE pattern. */
  async hostsWithPackage(match: { name?: string; like?: string; version?: string }): Promise<FleetPackageRow[]> {
    let q = this.db
      .selectFrom('host_packages as p')
      .innerJoin('hosts as h', 'h.id', 'p.host_id')
      .select(['p.host_id', 'h.hostname', 'p.name', 'p.arch', 'p.version'])
      .where(sql<boolean>`p.state <> 'removed'`);
    if (match.name !== undefined) q = q.where('p.name', '=', match.name);
    if (match.like !== undefined) q = q.where('p.name', 'like', match.like);
    if (match.version !== undefined) q = q.where('p.version', '=', match.version);
    const rows = await q.orderBy('p.host_id').orderBy('p.name').orderBy('p.arch').execute();
    return rows.map((r) => ({ hostId: r.host_id, hostname: r.hostname, name: r.name, arch: r.arch, version: r.version }));
  }

  /** Installed rows of the named packages on hosts of the given releases (the exposure candidates). */
  async installedOn(names: string[], releases: string[] | null, hostId?: number): Promise<(FleetPackageRow & { release: string; env: string; osFamily: string })[]> {
    if (names.length === 0) return [];
    const out: (FleetPackageRow & { release: string; env: string; osFamily: string })[] = [];
    for (const part of chunks(names)) {
      let q = this.db
        .selectFrom('host_packages as p')
        .innerJoin('hosts as h', 'h.id', 'p.host_id')
        .select(['p.host_id', 'h.hostname', 'h.release', 'h.env', 'h.os_family', 'p.name', 'p.arch', 'p.version'])
        .where('p.name', 'in', part)
        .where(sql<boolean>`p.state <> 'removed'`);
      if (releases) q = q.where('h.release', 'in', releases);
      if (hostId !== undefined) q = q.where('p.host_id', '=', hostId);
      for (const r of await q.execute()) {
        out.push({ hostId: r.host_id, hostname: r.hostname, release: r.release, env: r.env, osFamily: r.os_family, name: r.name, arch: r.arch, version: r.version });
      }
    }
    return out;
  }

  /** Pending updates of every host, grouped by host id (hosts with none are absent). */
  async availableByHost(): Promise<Map<number, { name: string; arch: string; version: string }[]>> {
    const rows = await this.db.selectFrom('host_available').select(['host_id', 'name', 'arch', 'version']).orderBy('host_id').orderBy('name').execute();
    const out = new Map<number, { name: string; arch: string; version: string }[]>();
    for (const r of rows) {
      let list = out.get(r.host_id);
      if (!list) out.set(r.host_id, (list = []));
      list.push({ name: r.name, arch: r.arch, version: r.version });
    }
    return out;
  }

  /** Inserts events; a resent event (same host, start and command) replaces the stored one instead of doubling it. */
  async upsertEvents(trx: Kysely<Database>, hostId: number, events: PackageEvent[], receivedAt: string): Promise<void> {
    for (const part of chunks(events, 200)) {
      await trx
        .insertInto('host_events')
        .values(
          part.map((e) => ({
            host_id: hostId,
            date_start: e.dateStart,
            time_start: e.timeStart,
            date_end: e.dateEnd,
            time_end: e.timeEnd,
            command: e.command,
            packages: JSON.stringify(e.packages),
            received_at: receivedAt,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['host_id', 'date_start', 'time_start', 'command']).doUpdateSet((eb) => ({
            date_end: eb.ref('excluded.date_end'),
            time_end: eb.ref('excluded.time_end'),
            packages: eb.ref('excluded.packages'),
          })),
        )
        .execute();
    }
  }

  async events(hostId: number): Promise<PackageEvent[]> {
    const rows = await this.db.selectFrom('host_events').selectAll().where('host_id', '=', hostId).orderBy('date_start').orderBy('time_start').execute();
    return rows.map((r) => ({
      dateStart: r.date_start,
      timeStart: r.time_start,
      dateEnd: r.date_end,
      timeEnd: r.time_end,
      command: r.command,
      packages: JSON.parse(r.packages) as PackageEvent['packages'],
    }));
  }
}
