import { type Kysely, sql } from 'kysely';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  // Catalog listings page in (name, format, id) order: a page is read in index order and stops at its limit
  // instead of sorting every live package (SQLite appends the rowid to an index). No index on arch: a handful
  // of values, so walking the name index and filtering finds a page sooner than an arch index plus a sort.
  await sql`create index packages_name_format on packages (name, format)`.execute(db);
  await sql`create index repository_packages_live_package on repository_packages (package_id, removed_in, repository_id)`.execute(db);
}
