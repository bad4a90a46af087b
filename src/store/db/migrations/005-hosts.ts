import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const id = pg ? sql`serial primary key` : sql`integer primary key autoincrement`;
  const bigId = pg ? sql`bigserial primary key` : sql`integer primary key autoincrement`;
  // One row per package of every host: SQLite stores the clustered key without a second rowid b-tree.
  const clustered = pg ? sql`` : sql`without rowid`;

  // One key per user; only its SHA-256 is kept, and the unique index on it is the O(1) lookup.
  await sql`create table api_keys (
    user_id integer primary key references users(id) on delete cascade, key_hash text not null unique,
    created_at text not null)`.execute(db);

  await sql`create table hosts (
    id ${id}, auth_id text not null unique, token_hash text not null, hostname text not null unique,
    ip text not null default '', os text not null default '', os_version text not null default '',
    os_family text not null default '', release text not null default '', type text not null default '',
    cpu text not null default '', ram text not null default '', network text not null default '',
    kernel text not null default '', arch text not null default '', profile text not null default '',
    env text not null default '', agent_status text not null default '', agent_version text not null default '',
    reboot_required integer not null default 0, uptime text not null default '',
    registered_at text not null, last_seen_at text, inventory_at text, ws_connected integer not null default 0)`.execute(db);
  for (const col of ['os, os_version', 'kernel', 'arch', 'profile', 'env', 'release']) {
    await sql`create index ${sql.raw(`hosts_${col.split(',')[0]}`)} on hosts (${sql.raw(col)})`.execute(db);
  }

  // The state each host last reported; arch is '' for the native architecture, so "libc6" and
  // "libc6:i386" are two rows.
  await sql`create table host_packages (
    host_id integer not null references hosts(id) on delete cascade, name text not null, arch text not null,
    version text not null, state text not null, since text not null,
    primary key (host_id, name, arch)) ${clustered}`.execute(db);
  // Fleet queries ask only about installed rows: a partial index keeps removed ones out of it, and every
  // query on it repeats the predicate (state <> 'removed', as a literal) so both planners can use it. With
  // state in the key, SQLite answers from the index alone (its entries also carry host_id and arch).
  await sql`create index host_packages_name_version on host_packages (name, version, state) where state <> 'removed'`.execute(db);

  await sql`create table host_package_history (
    id ${bigId}, host_id integer not null references hosts(id) on delete cascade, name text not null,
    arch text not null, version text not null, state text not null, since text not null, until text not null)`.execute(db);
  await sql`create index host_package_history_host on host_package_history (host_id, name)`.execute(db);

  await sql`create table host_available (
    host_id integer not null references hosts(id) on delete cascade, name text not null, arch text not null,
    version text not null, repository text not null default '', security integer not null default 0,
    primary key (host_id, name, arch)) ${clustered}`.execute(db);

  await sql`create table host_events (
    id ${bigId}, host_id integer not null references hosts(id) on delete cascade, date_start text not null,
    time_start text not null, date_end text not null, time_end text not null, command text not null,
    packages text not null, received_at text not null,
    unique (host_id, date_start, time_start, command))`.execute(db);

  await sql`create table host_requests (
    id ${id}, host_id integer not null references hosts(id) on delete cascade, type text not null,
    data text not null default '{}', state text not null, attempts integer not null default 0,
    next_attempt_at text not null, created_at text not null, created_by text not null,
    sent_at text, finished_at text, info text not null default '', summary text not null default '{}',
    log text not null default '', error text not null default '')`.execute(db);
  await sql`create index host_requests_due on host_requests (state, next_attempt_at)`.execute(db);
  await sql`create index host_requests_host on host_requests (host_id, id)`.execute(db);
}
