import type { Kysely, Selectable, Updateable } from 'kysely';
import type { HostRequest } from '../../hosts/host.types.js';
import type { Database } from '../db/schema.js';
import type { HostRequestState, HostRequestsTable } from '../db/tables/hosts.tables.js';

function toRequest(r: Selectable<HostRequestsTable>): HostRequest {
  return {
    id: r.id,
    hostId: r.host_id,
    type: r.type,
    data: JSON.parse(r.data) as Record<string, unknown>,
    state: r.state,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    createdAt: r.created_at,
    createdBy: r.created_by,
    sentAt: r.sent_at,
    finishedAt: r.finished_at,
    info: r.info,
    summary: JSON.parse(r.summary) as Record<string, unknown>,
    log: r.log,
    error: r.error,
  };
}

export class HostRequestsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(trx: Kysely<Database>, r: { hostId: number; type: string; data: Record<string, unknown>; createdAt: string; createdBy: string }): Promise<HostRequest> {
    const row = await trx
      .insertInto('host_requests')
      .values({ host_id: r.hostId, type: r.type, data: JSON.stringify(r.data), state: 'new', next_attempt_at: r.createdAt, created_at: r.createdAt, created_by: r.createdBy })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRequest(row);
  }

  async get(id: number, trx: Kysely<Database> = this.db): Promise<HostRequest | undefined> {
    const row = await trx.selectFrom('host_requests').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRequest(row);
  }

  async listForHost(hostId: number, limit = 200): Promise<HostRequest[]> {
    const rows = await this.db.selectFrom('host_requests').selectAll().where('host_id', '=', hostId).orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toRequest);
  }

  /** Requests waiting for delivery whose attempt time has come, oldest first. */
  async due(now: string, hostId?: number): Promise<HostRequest[]> {
    let q = this.db.selectFrom('host_requests').selectAll().where('state', '=', 'new').where('next_attempt_at', '<=', now);
    if (hostId !== undefined) q = q.where('host_id', '=', hostId);
    const rows = await q.orderBy('id').limit(500).execute();
    return rows.map(toRequest);
  }

  /**
   * Moves a request from one of `from` states to another; false when it was no longer in one of them
   * (canceled meanwhile, or claimed by another node), so two deliveries cannot both win.
   */
  async transition(id: number, from: HostRequestState[], set: Updateable<HostRequestsTable>, trx: Kysely<Database> = this.db): Promise<boolean> {
    const res = await trx.updateTable('host_requests').set(set).where('id', '=', id).where('state', 'in', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
