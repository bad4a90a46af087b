import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { compareVersions } from '../formats/version/index.js';
import type { Database } from '../store/db/schema.js';
import type { HostPackageState } from '../store/db/tables/hosts.tables.js';
import type { HostsStore } from '../store/sql/hosts.store.js';
import type { HostsInventoryStore, PackageRowInput } from '../store/sql/hosts-inventory.store.js';
import type { AvailablePackage, Host, InstalledPackage, PackageEvent, ReportedPackage } from './host.types.js';
import { packageFormatOf } from './os-release.js';

export interface InventoryChange {
  added: number;
  changed: number;
  removed: number;
  unchanged: number;
}

/**
 * Keeps each host's stored inventory equal to the state it reports. One PUT is one transaction: read the
 * host's current rows (one indexed range scan), diff in memory, write only the differences with multi-row
 * upserts, and move the previous state of every changed or vanished package to the history.
 */
export class InventoryService {
  constructor(private readonly deps: { db: Kysely<Database>; hosts: HostsStore; inventory: HostsInventoryStore; clock: Clock }) {}

  async putInstalled(host: Host, reported: ReportedPackage[]): Promise<InventoryChange> {
    const now = this.deps.clock.now().toISOString();
    const format = packageFormatOf(host.osFamily, host.release);
    return this.deps.db.transaction().execute(async (trx) => {
      const current = new Map<string, InstalledPackage>();
      for (const row of await this.deps.inventory.current(trx, host.id)) current.set(`${row.name}\0${row.arch}`, row);
      const firstInventory = current.size === 0;
      const writes: PackageRowInput[] = [];
      const history: { name: string; arch: string; version: string; state: string; since: string; until: string }[] = [];
      const change: InventoryChange = { added: 0, changed: 0, removed: 0, unchanged: 0 };
      const seen = new Set<string>();
      for (const p of reported) {
        const key = `${p.name}\0${p.arch}`;
        seen.add(key);
        const old = current.get(key);
        if (!old) {
          writes.push({ ...p, state: firstInventory ? 'inventored' : 'installed', since: now });
          change.added++;
        } else if (old.state === 'removed') {
          history.push({ ...old, until: now });
          writes.push({ ...p, state: 'installed', since: now });
          change.added++;
        } else if (old.version !== p.version) {
          history.push({ ...old, until: now });
          writes.push({ ...p, state: this.direction(format, old.version, p.version), since: now });
          change.changed++;
        } else {
          change.unchanged++;
        }
      }
      for (const [key, old] of current) {
        if (seen.has(key) || old.state === 'removed') continue;
        history.push({ ...old, until: now });
        writes.push({ name: old.name, arch: old.arch, version: old.version, state: 'removed', since: now });
        change.removed++;
      }
      await this.deps.inventory.upsertPackages(trx, host.id, writes);
      await this.deps.inventory.insertHistory(trx, host.id, history);
      await this.deps.hosts.touch(trx, host.id, now, true);
      return change;
    });
  }

  async putAvailable(host: Host, packages: AvailablePackage[]): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.inventory.replaceAvailable(trx, host.id, packages);
      await this.deps.hosts.touch(trx, host.id, now);
    });
  }

  async putEvents(host: Host, events: PackageEvent[]): Promise<void> {
    const now = this.deps.clock.now().toISOString();
    await this.deps.db.transaction().execute(async (trx) => {
      await this.deps.inventory.upsertEvents(trx, host.id, events, now);
      await this.deps.hosts.touch(trx, host.id, now);
    });
  }

  private direction(format: 'deb' | 'rpm', from: string, to: string): HostPackageState {
    try {
      return compareVersions(format, to, from) < 0 ? 'downgraded' : 'upgraded';
    } catch {
      // A version the format cannot parse still changed; "installed" claims no direction.
      return 'installed';
    }
  }
}
