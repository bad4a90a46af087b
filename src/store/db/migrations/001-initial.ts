import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const pg = dialectOf(db) === 'postgres';
  const id = pg ? sql`serial primary key` : sql`integer primary key autoincrement`;
  const big = pg ? sql`bigint` : sql`integer`;

  await sql`create table users (
    id ${id}, username text not null unique, password_hash text not null, role text not null,
    active integer not null default 1, created_at text not null)`.execute(db);

  await sql`create table repositories (
    id ${id}, name text not null unique, format text not null, kind text not null default 'local',
    components text not null, architectures text not null, origin text not null default '',
    label text not null default '', description text not null default '', created_at text not null,
    head_snapshot integer not null default 0, current_publication_id integer)`.execute(db);

  await sql`create table packages (
    id ${id}, sha256 text not null unique, format text not null, name text not null, version text not null,
    arch text not null, source text not null, source_version text not null, filename text not null,
    size ${big} not null, sha1 text not null, md5 text not null, meta text not null, files text not null,
    fragment_index text not null, fragment_files text not null, fragment_other text not null,
    created_at text not null, uploaded_by text not null)`.execute(db);
  await sql`create index packages_identity on packages (format, name, version, arch)`.execute(db);
  await sql`create index packages_filename on packages (filename)`.execute(db);

  await sql`create table snapshots (
    id ${id}, repository_id integer not null references repositories(id) on delete cascade,
    number integer not null, created_at text not null, reason text not null, actor text not null,
    unique (repository_id, number))`.execute(db);

  await sql`create table repository_packages (
    repository_id integer not null references repositories(id) on delete cascade,
    package_id integer not null references packages(id), component text not null,
    added_in integer not null, removed_in integer)`.execute(db);
  await sql`create index repository_packages_live on repository_packages (repository_id, removed_in)`.execute(db);
  await sql`create index repository_packages_package on repository_packages (package_id)`.execute(db);
  await sql`create index repository_packages_added on repository_packages (repository_id, added_in)`.execute(db);

  await sql`create table publications (
    id ${id}, repository_id integer not null references repositories(id) on delete cascade,
    snapshot_number integer not null, created_at text not null)`.execute(db);
  await sql`create index publications_repository on publications (repository_id, created_at)`.execute(db);

  await sql`create table publication_files (
    publication_id integer not null references publications(id) on delete cascade,
    path text not null, sha256 text not null, size ${big} not null, parts text not null,
    primary key (publication_id, path))`.execute(db);
  await sql`create index publication_files_sha on publication_files (sha256)`.execute(db);

  await sql`create table index_chunks (
    key text primary key, raw_sha text not null, raw_size ${big} not null, gz_sha text not null,
    gz_size ${big} not null, xz_sha text not null, xz_size ${big} not null, xz_records text not null,
    created_at text not null)`.execute(db);
}
