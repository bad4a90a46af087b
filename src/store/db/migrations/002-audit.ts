import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const id = dialectOf(db) === 'postgres' ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
  await sql`create table audit_events (
    id ${id}, at text not null, username text not null, role text not null, source_ip text not null,
    action text not null, result text not null, package text not null default '', version text not null default '',
    distribution text not null default '', detail text not null default '{}', prev_hash text not null,
    hash text not null)`.execute(db);
  await sql`create index audit_events_at on audit_events (at)`.execute(db);
  await sql`create index audit_events_action on audit_events (action, at)`.execute(db);
  await sql`create index audit_events_user on audit_events (username, at)`.execute(db);
  await sql`create index audit_events_package on audit_events (package, at)`.execute(db);
}
