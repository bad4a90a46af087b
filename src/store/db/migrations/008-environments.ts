import { type Kysely, sql } from 'kysely';
import { dialectOf } from '../dialect.js';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  const id = dialectOf(db) === 'postgres' ? sql`serial primary key` : sql`integer primary key autoincrement`;
  await sql`create table environments (
    id ${id}, name text not null unique, color text not null default '', description text not null default '',
    created_at text not null)`.execute(db);
  await sql`create table repository_environments (
    repository_id integer not null references repositories(id) on delete cascade,
    environment_id integer not null references environments(id) on delete cascade,
    snapshot_number integer not null, publication_id integer not null references publications(id),
    updated_at text not null, updated_by text not null default '',
    primary key (repository_id, environment_id))`.execute(db);
  await sql`create index repository_environments_publication on repository_environments (publication_id)`.execute(db);
  await sql`create table profiles (
    id ${id}, name text not null unique, package_exclude text not null default '[]',
    package_exclude_major text not null default '[]', service_reload text not null default '[]',
    service_restart text not null default '[]', notes text not null default '', created_at text not null,
    updated_at text not null)`.execute(db);
  await sql`create table profile_repositories (
    profile_id integer not null references profiles(id) on delete cascade,
    repository_id integer not null references repositories(id) on delete cascade,
    environment text not null default '', position integer not null default 0,
    primary key (profile_id, repository_id))`.execute(db);
  const now = new Date().toISOString();
  await db
    .insertInto('environments')
    .values([
      { name: 'preprod', color: '#ffb000', description: 'Pre-production', created_at: now },
      { name: 'prod', color: '#d9534f', description: 'Production', created_at: now },
    ])
    .execute();
}
