import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import type { Database } from '../store/db/schema.js';
import type { AuditStore } from '../store/sql/audit.store.js';
import type { AuditEventInput } from './audit.types.js';

/**
 * Writes audit events. Callers pass the transaction of the change they audit, so the event and the change
 * commit together or not at all. Failed attempts (no change to commit) pass the plain database handle.
 */
export class AuditService {
  constructor(private readonly deps: { audit: AuditStore; clock: Clock }) {}

  async record(trx: Kysely<Database>, e: AuditEventInput): Promise<void> {
    await this.deps.audit.append(trx, {
      at: this.deps.clock.now().toISOString(),
      username: e.actor?.username ?? e.username ?? '',
      role: e.actor?.role ?? '',
      source_ip: e.actor?.ip ?? '',
      action: e.action,
      result: e.result,
      package: e.package ?? '',
      version: e.version ?? '',
      distribution: e.distribution ?? '',
      detail: JSON.stringify(e.detail ?? {}),
    });
  }
}
