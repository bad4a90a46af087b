import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const id = dialectOf(db) === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
  await sql`create table jobs (
    id ${id}, kind text not null, state text not null, payload text not null default '{}',
    result text not null default '{}', error text not null default '', progress integer not null default 0,
    log text not null default '', lock_key text not null default '', created_by text not null default '',
    created_at text not null, run_after text not null, started_at text, finished_at text,
    attempts integer not null default 0, max_attempts integer not null default 1)`.execute(db);
  await sql`create index jobs_claim on jobs (state, run_after)`.execute(db);
  await sql`create index jobs_kind on jobs (kind, created_at)`.execute(db);
}
