import type { Kysely, Selectable } from 'kysely';
import type { Job, JobState } from '../../jobs/job.types.js';
import { dialectOf } from '../db/dialect.js';
import type { Database } from '../db/schema.js';
import type { JobsTable } from '../db/tables/jobs.tables.js';

function toJob(r: Selectable<JobsTable>): Job {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state as JobState,
    payload: JSON.parse(r.payload) as Record<string, unknown>,
    result: JSON.parse(r.result) as Record<string, unknown>,
    error: r.error,
    progress: r.progress,
    log: r.log,
    lockKey: r.lock_key,
    createdBy: r.created_by,
    createdAt: r.created_at,
    runAfter: r.run_after,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
  };
}

export interface NewJob {
  kind: string;
  payload: Record<string, unknown>;
  lockKey: string;
  createdBy: string;
  createdAt: string;
  runAfter: string;
  maxAttempts: number;
}

export class JobsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(j: NewJob, db: Kysely<Database> = this.db): Promise<number> {
    const row = await db
      .insertInto('jobs')
      .values({
        kind: j.kind,
        state: 'queued',
        payload: JSON.stringify(j.payload),
        result: '{}',
        error: '',
        progress: 0,
        log: '',
        attempts: 0,
        lock_key: j.lockKey,
        created_by: j.createdBy,
        created_at: j.createdAt,
        run_after: j.runAfter,
        max_attempts: j.maxAttempts,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return Number(row.id);
  }

  /**
   * Claims the oldest runnable job of the given kinds whose lock key no running job holds. On PostgreSQL the
   * row lock with SKIP LOCKED lets several processes claim concurrently without taking the same job.
   */
  async claim(kinds: string[], now: string): Promise<Job | undefined> {
    if (kinds.length === 0) return undefined;
    return this.db.transaction().execute(async (trx) => {
      let pick = trx
        .selectFrom('jobs as j')
        .select('j.id')
        .where('j.state', '=', 'queued')
        .where('j.run_after', '<=', now)
        .where('j.kind', 'in', kinds)
        .where((eb) =>
          eb.or([
            eb('j.lock_key', '=', ''),
            eb.not(eb.exists(eb.selectFrom('jobs as r').select('r.id').where('r.state', '=', 'running').whereRef('r.lock_key', '=', 'j.lock_key'))),
          ]),
        )
        .orderBy('j.id')
        .limit(1);
      if (dialectOf(trx) === 'postgres') pick = pick.forUpdate().skipLocked();
      const found = await pick.executeTakeFirst();
      if (!found) return undefined;
      const row = await trx
        .updateTable('jobs')
        .set((eb) => ({ state: 'running', started_at: now, attempts: eb('attempts', '+', 1), error: '' }))
        .where('id', '=', found.id)
        .where('state', '=', 'queued')
        .returningAll()
        .executeTakeFirst();
      return row ? toJob(row) : undefined;
    });
  }

  async get(id: number): Promise<Job | undefined> {
    const row = await this.db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toJob(row) : undefined;
  }

  async list(filter: { kind?: string; state?: string; limit: number; offset: number }): Promise<{ items: Job[]; total: number }> {
    let q = this.db.selectFrom('jobs');
    if (filter.kind) q = q.where('kind', '=', filter.kind);
    if (filter.state) q = q.where('state', '=', filter.state);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    const rows = await q.selectAll().orderBy('id', 'desc').limit(filter.limit).offset(filter.offset).execute();
    return { items: rows.map(toJob), total: Number(total.n) };
  }

  async progress(id: number, progress: number): Promise<void> {
    await this.db.updateTable('jobs').set({ progress }).where('id', '=', id).execute();
  }

  async appendLog(id: number, line: string): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set((eb) => ({ log: eb(eb.ref('log'), '||', `${line}\n`) }))
      .where('id', '=', id)
      .execute();
  }

  async finish(id: number, state: 'succeeded' | 'failed' | 'canceled', fields: { result?: Record<string, unknown>; error?: string; finishedAt: string }): Promise<void> {
    await this.db
      .updateTable('jobs')
      .set({ state, result: JSON.stringify(fields.result ?? {}), error: fields.error ?? '', finished_at: fields.finishedAt, ...(state === 'succeeded' ? { progress: 100 } : {}) })
      .where('id', '=', id)
      .execute();
  }

  /** Puts a failed attempt back in the queue for a later retry. */
  async retryLater(id: number, error: string, runAfter: string): Promise<void> {
    await this.db.updateTable('jobs').set({ state: 'queued', error, run_after: runAfter, started_at: null }).where('id', '=', id).execute();
  }

  /** Cancels a queued job; returns false when it was no longer queued. */
  async cancelQueued(id: number, at: string): Promise<boolean> {
    const r = await this.db.updateTable('jobs').set({ state: 'canceled', finished_at: at }).where('id', '=', id).where('state', '=', 'queued').executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Jobs that could run now but wait for a worker (scheduled ones are not counted until they are due). */
  async countRunnable(now: string): Promise<number> {
    const r = await this.db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('state', '=', 'queued')
      .where('run_after', '<=', now)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Jobs left running by a process that died: back to the queue (called at start, before workers run). */
  async requeueStale(startedBefore: string): Promise<number> {
    const r = await this.db.updateTable('jobs').set({ state: 'queued', started_at: null }).where('state', '=', 'running').where('started_at', '<', startedBefore).executeTakeFirst();
    return Number(r.numUpdatedRows);
  }
}
