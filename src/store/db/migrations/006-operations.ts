import type { Kysely } from 'kysely';

// Migrations run against the database as it was, so they are untyped.
export async function up(_db: Kysely<any>): Promise<void> {
  // this area's tables are added here
}
