import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const id = pg ? sql`serial primary key` : sql`integer primary key autoincrement`;
  const real = pg ? sql`double precision` : sql`real`;

  await sql`create table security_feeds (
    id ${id}, name text not null, format text not null, url text not null default '',
    refresh_hours integer not null default 0, distribution text not null default '', created_at text not null,
    created_by text not null, last_import_at text, last_status text not null default '',
    last_error text not null default '', last_counts text not null default '{}', next_refresh_at text)`.execute(db);

  await sql`create table security_advisories (
    id ${id}, key text not null unique, feed_id integer, release_key text not null, source_package text not null,
    advisory_id text not null, cve_ids text not null, summary text not null, severity text not null,
    cvss_score ${real}, cvss_vector text not null, severity_source text not null, ranges text not null,
    versions text not null, fixed_version text not null, fix_state text not null, published text not null,
    modified text not null, urls text not null, content_hash text not null, imported_at text not null)`.execute(db);
  await sql`create index security_advisories_match on security_advisories (release_key, source_package)`.execute(db);

  await sql`create table security_findings (
    id ${id}, package_id integer not null references packages(id), repository_id integer not null
    references repositories(id) on delete cascade, advisory_row_id integer not null, advisory_id text not null,
    cve_ids text not null, severity text not null, fixed_version text not null, fix_state text not null,
    first_seen text not null, last_seen text not null, state text not null,
    unique (package_id, repository_id, advisory_row_id))`.execute(db);
  await sql`create index security_findings_repository on security_findings (repository_id, state)`.execute(db);
  await sql`create index security_findings_package on security_findings (package_id, state)`.execute(db);

  await sql`create table security_package_states (
    package_id integer not null references packages(id), repository_id integer not null
    references repositories(id) on delete cascade, status text not null, reason text not null,
    updated_at text not null, updated_by text not null, primary key (package_id, repository_id))`.execute(db);
  await sql`create index security_package_states_status on security_package_states (status)`.execute(db);

  await sql`create table security_decisions (
    id ${id}, package_id integer not null references packages(id), repository_id integer not null
    references repositories(id) on delete cascade, name text not null, version text not null, arch text not null,
    distribution text not null, action text not null, justification text not null, cve_ids text not null,
    expires_at text, target_version text not null, state text not null, actor text not null, role text not null,
    created_at text not null, ended_at text)`.execute(db);
  await sql`create index security_decisions_subject on security_decisions (package_id, repository_id, state)`.execute(db);
  await sql`create index security_decisions_name on security_decisions (name, version)`.execute(db);

  await sql`create table security_settings (
    key text primary key, value text not null, updated_at text not null, updated_by text not null)`.execute(db);
}
