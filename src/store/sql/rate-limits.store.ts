import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * Fixed-window request counters shared by every process on the database: one upsert per counted request.
 * A process whose clock lags behind the stored window counts into the newer window instead of resetting it,
 * so two nodes straddling a window boundary do not reset each other's counts.
 */
export class RateLimitsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async hit(key: string, windowStart: number): Promise<{ hits: number; windowStart: number }> {
    const row = await this.db
      .insertInto('rate_limit_counters')
      .values({ key, window_start: windowStart, hits: 1 })
      .onConflict((oc) =>
        oc.column('key').doUpdateSet({
          hits: sql<number>`case when excluded.window_start > rate_limit_counters.window_start then 1 else rate_limit_counters.hits + 1 end`,
          window_start: sql<number>`case when excluded.window_start > rate_limit_counters.window_start then excluded.window_start else rate_limit_counters.window_start end`,
        }),
      )
      .returning(['hits', 'window_start'])
      .executeTakeFirstOrThrow();
    return { hits: Number(row.hits), windowStart: Number(row.window_start) };
  }

  /** Drops counters whose window ended before `before` (they would be reset on their next hit anyway). */
  async sweep(before: number): Promise<number> {
    const res = await this.db.deleteFrom('rate_limit_counters').where('window_start', '<', before).executeTakeFirst();
    return Number(res.numDeletedRows);
  }
}
