import { type Expression, type ExpressionBuilder, type Kysely, type Selectable, type SqlBool, sql } from 'kysely';
import type { AuditEvent } from '../../audit/audit.types.js';
import { sha256Hex } from '../../core/hash.js';
import { lockAuditChain } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import type { AuditEventsTable } from '../db/tables/audit.tables.js';

export type AuditRow = Omit<AuditEventsTable, 'id' | 'prev_hash' | 'hash'>;
export type StoredAuditRow = Selectable<AuditEventsTable>;

/** Filters of the audit listing and export; every one is applied in SQL. */
export interface AuditFilter {
  action?: string;
  result?: string;
  user?: string;
  package?: string;
  /** ISO instants: `at >= start`, `at < endBefore`. */
  start?: string;
  endBefore?: string;
  /** Case-insensitive substring over user, action, result, package, version, distribution and detail. */
  q?: string;
}

export type AuditOrder = 'asc' | 'desc';

const SEARCHED = ['username', 'action', 'result', 'package', 'version', 'distribution', 'detail'] as const;

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function matches(eb: ExpressionBuilder<Database, 'audit_events'>, f: AuditFilter): Expression<SqlBool> {
  const c: Expression<SqlBool>[] = [];
  if (f.action) c.push(eb('action', '=', f.action));
  if (f.result) c.push(eb('result', '=', f.result));
  if (f.user) c.push(eb('username', '=', f.user));
  if (f.package) c.push(eb('package', '=', f.package));
  if (f.start) c.push(eb('at', '>=', f.start));
  if (f.endBefore) c.push(eb('at', '<', f.endBefore));
  if (f.q) {
    const pattern = `%${escapeLike(f.q.toLowerCase())}%`;
    c.push(eb.or(SEARCHED.map((col) => sql<SqlBool>`lower(${sql.ref(col)}) like ${pattern} escape '\\'`)));
  }
  return c.length ? eb.and(c) : sql<SqlBool>`1 = 1`;
}

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
  /**
   * The chain's last hash as of a transaction's own last append: that transaction holds the chain lock, so
   * nobody else appends until it ends, and its next event (a group commit writes one per upload) links to
   * it without reading the table again.
   */
  private readonly heads = new WeakMap<Kysely<Database>, string>();

  constructor(private readonly db: Kysely<Database>) {}

  /** Appends one event to the chain inside the caller's transaction (pass the transaction as `trx`). */
  async append(trx: Kysely<Database>, row: AuditRow): Promise<void> {
    await this.appendMany(trx, [row]);
  }

  /** Appends events in order, chained one to the next, in multi-row statements (ids follow the order). */
  async appendMany(trx: Kysely<Database>, rows: AuditRow[]): Promise<void> {
    if (rows.length === 0) return;
    let prev = trx.isTransaction ? this.heads.get(trx) : undefined;
    if (prev === undefined) {
      await lockAuditChain(trx);
      const last = await trx.selectFrom('audit_events').select('hash').orderBy('id', 'desc').limit(1).executeTakeFirst();
      prev = last?.hash ?? GENESIS_HASH;
    }
    const chained = rows.map((row) => {
      const hash = chainHash(prev!, row);
      const linked = { ...row, prev_hash: prev!, hash };
      prev = hash;
      return linked;
    });
    for (let i = 0; i < chained.length; i += 200) await trx.insertInto('audit_events').values(chained.slice(i, i + 200)).execute();
    if (trx.isTransaction) this.heads.set(trx, prev);
  }

  /** One page of the filtered log, with the filtered total: offset pagination done by the database. */
  async search(f: AuditFilter, order: AuditOrder, offset: number, limit: number): Promise<{ items: AuditEvent[]; total: number }> {
    const count = await this.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where((eb) => matches(eb, f))
      .executeTakeFirst();
    const rows = await this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => matches(eb, f))
      .orderBy('id', order)
      .offset(offset)
      .limit(limit)
      .execute();
    return { items: rows.map((r) => toAuditEvent(r)), total: Number(count?.n ?? 0) };
  }

  /** Keyset page of the filtered log after the cursor id (exports page through the table this way). */
  async searchAfter(f: AuditFilter, order: AuditOrder, cursor: number | null, limit: number): Promise<AuditEvent[]> {
    let q = this.db
      .selectFrom('audit_events')
      .selectAll()
      .where((eb) => matches(eb, f));
    if (cursor !== null) q = q.where('id', order === 'asc' ? '>' : '<', cursor);
    const rows = await q.orderBy('id', order).limit(limit).execute();
    return rows.map((r) => toAuditEvent(r));
  }

  /** Stored rows as they are (detail unparsed), for recomputing the chain. */
  async rawPageFrom(afterId: number, limit: number): Promise<StoredAuditRow[]> {
    return this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
  }

  /** Events in id order from `afterId`, a page at a time (for integrity checks and exports). */
  async pageFrom(afterId: number, limit: number): Promise<AuditEvent[]> {
    const rows = await this.db.selectFrom('audit_events').selectAll().where('id', '>', afterId).orderBy('id').limit(limit).execute();
    return rows.map((r) => toAuditEvent(r));
  }
}
