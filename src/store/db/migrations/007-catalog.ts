import { type Kysely, sql } from 'kysely';

// Migrations run against the database as it was, so they are untyped.
export async function up(db: Kysely<any>): Promise<void> {
  // Catalog listings filter live memberships by name/arch and group by (format, name); these keep the page
  // and count queries on indexes instead of scanning every package row.
  await sql`create index packages_name_arch on packages (name, arch)`.execute(db);
  await sql`create index packages_arch on packages (arch)`.execute(db);
  await sql`create index repository_packages_live_package on repository_packages (package_id, removed_in, repository_id)`.execute(db);
}
