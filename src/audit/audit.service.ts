import type { Kysely } from 'kysely';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Database } from '../store/db/schema.js';
import { type AuditFilter, type AuditOrder, type AuditRow, type AuditStore, chainHash, GENESIS_HASH } from '../store/sql/audit.store.js';
import type { AuditEvent, AuditEventInput } from './audit.types.js';

export interface AuditQuery {
  action?: string;
  result?: string;
  user?: string;
  package?: string;
  /** ISO date (`2026-01-31`, whole day) or instant. */
  start?: string;
  end?: string;
  q?: string;
  sort?: 'asc' | 'desc' | 'timestamp' | '-timestamp';
}

export interface AuditPage {
  items: AuditEvent[];
  total: number;
  page: number;
  per_page: number;
  pages: number;
}

export interface IntegrityReport {
  ok: boolean;
  status: 'ok' | 'broken';
  checked: number;
  first_broken_id: number | null;
  reason: string | null;
  last_hash: string;
}

const EXPORT_PAGE = 500;
const VERIFY_PAGE = 1000;
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function instant(value: string, name: string): Date {
  const d = new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
  if (Number.isNaN(d.getTime())) throw new AppError('VALIDATION_FAILED', `${name} must be an ISO date or date-time, got "${value}"`);
  return d;
}

/**
 * Writes and reads audit events. Callers of record() pass the transaction of the change they audit, so the
 * event and the change commit together or not at all. Failed attempts (no change to commit) pass the plain
 * database handle. Reads never load the whole log: listing is one SQL page, export and verification walk
 * the table by keyset pages.
 */
export class AuditService {
  constructor(private readonly deps: { audit: AuditStore; clock: Clock }) {}

  async record(trx: Kysely<Database>, e: AuditEventInput): Promise<void> {
    await this.deps.audit.append(trx, this.row(e));
  }

  /** Several events of one transaction, in order (a group commit audits every upload it commits). */
  async recordMany(trx: Kysely<Database>, events: AuditEventInput[]): Promise<void> {
    await this.deps.audit.appendMany(trx, events.map((e) => this.row(e)));
  }

  private row(e: AuditEventInput): AuditRow {
    return {
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
    };
  }

  async list(query: AuditQuery, page: number, perPage: number): Promise<AuditPage> {
    const { items, total } = await this.deps.audit.search(toFilter(query), toOrder(query.sort), (page - 1) * perPage, perPage);
    return { items, total, page, per_page: perPage, pages: Math.ceil(total / perPage) };
  }

  /** Throws VALIDATION_FAILED for filters that cannot be applied (before a streamed answer starts). */
  checkQuery(query: AuditQuery): void {
    toFilter(query);
  }

  /** The filtered log, one keyset page at a time. */
  async *events(query: AuditQuery): AsyncGenerator<AuditEvent> {
    const filter = toFilter(query);
    const order = toOrder(query.sort);
    let cursor: number | null = null;
    for (;;) {
      const page = await this.deps.audit.searchAfter(filter, order, cursor, EXPORT_PAGE);
      yield* page;
      if (page.length < EXPORT_PAGE) return;
      cursor = page[page.length - 1].id;
    }
  }

  /** Recomputes the hash chain from the first event; reports the first event whose link or content is wrong. */
  async verify(): Promise<IntegrityReport> {
    let prev = GENESIS_HASH;
    let after = 0;
    let checked = 0;
    for (;;) {
      const rows = await this.deps.audit.rawPageFrom(after, VERIFY_PAGE);
      for (const row of rows) {
        const broken = (reason: string): IntegrityReport => ({ ok: false, status: 'broken', checked, first_broken_id: row.id, reason, last_hash: prev });
        if (row.prev_hash !== prev) return broken('the event does not link to the previous one (an event was removed, inserted or re-linked)');
        if (chainHash(prev, row) !== row.hash) return broken('the event content does not match its hash (the event was edited)');
        prev = row.hash;
        after = row.id;
        checked++;
      }
      if (rows.length < VERIFY_PAGE) return { ok: true, status: 'ok', checked, first_broken_id: null, reason: null, last_hash: prev };
    }
  }
}

function toOrder(sort: AuditQuery['sort']): AuditOrder {
  return sort === 'asc' || sort === 'timestamp' ? 'asc' : 'desc';
}

function toFilter(q: AuditQuery): AuditFilter {
  const f: AuditFilter = {
    action: q.action?.toUpperCase() || undefined,
    result: q.result?.toUpperCase() || undefined,
    user: q.user || undefined,
    package: q.package || undefined,
    q: q.q || undefined,
  };
  if (q.start) f.start = instant(q.start, 'start').toISOString();
  if (q.end) {
    const end = instant(q.end, 'end');
    // A whole day includes all of it; an instant includes itself.
    f.endBefore = new Date(end.getTime() + (DATE_ONLY.test(q.end) ? 86_400_000 : 1)).toISOString();
  }
  return f;
}
