import type { Kysely, Selectable } from 'kysely';
import type { AuditEvent } from '../../audit/audit.types.js';
import { sha256Hex } from '../../core/hash.js';
import { lockAuditChain } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import type { AuditEventsTable } from '../db/tables/audit.tables.js';

export type AuditRow = Omit<AuditEventsTable, 'id' | 'prev_hash' | 'hash'>;

export const GENESIS_HASH = '0'.repeat(64);

/** The hash of one event: its content and the previous hash, in a fixed field order. */
export function chainHash(prevHash: string, row: AuditRow): string {
  const fields = [prevHash, row.at, row.username, row.role, row.source_ip, row.action, row.result, row.package, row.version, row.distribution, row.detail];
  return sha256Hex(JSON.stringify(fields));
}

export function toAuditEvent(r: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: r.id,
    at: r.at,
    username: r.username,
    role: r.role,
    sourceIp: r.source_ip,
    action: r.action,
    result: r.result,
    package: r.package,
    version: r.version,
    distribution: r.distribution,
    detail: JSON.parse(r.detail) as Record<string, unknown>,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export class AuditStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Appends one event to the chain inside the caller's transaction (pass the transaction as `trx`). */
  async append(trx: Kysely<Database>, row: AuditRow): Promise<void> {
    await lockAuditChain(trx);
    const last = await trx.selectFrom('audit_events').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
    const prev = last?.hash ?? GENESIS_HASH;
    await trx
      .insertInto('audit_events')
      .values({ ...row, prev_hash: prev, hash: chainHash(prev, row) })
      .execute();
  }

  /** Events in id order from `afterId`, a page at a time (for integrity checks and exports). */
  async pageFrom(afterId: number, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((r) => toAuditEvent(r));
  }
}
