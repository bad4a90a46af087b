import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const big = dialectOf(db) === 'postgres' ? sql`bigint` : sql`integer`;
  await sql`create table rate_limit_counters (
    key text primary key, window_start ${big} not null, hits integer not null)`.execute(db);
  // The sweep deletes counters of past windows by this column.
  await sql`create index rate_limit_counters_window on rate_limit_counters (window_start)`.execute(db);
}
