import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.js';

/** The few places where SQLite and PostgreSQL differ, kept together. */
export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<Database>): DialectName {
  const adapter = db.getExecutor().adapter.constructor.name;
  return adapter.startsWith('Postgres') ? 'postgres' : 'sqlite';
}

/**
 * Serialises writers of one repository across processes. SQLite has a single writer already (and the
 * process-local lock in the service covers concurrency inside one process); PostgreSQL takes a
 * transaction-scoped advisory lock keyed by the repository id.
 */
export async function lockRepository(trx: Kysely<Database>, repositoryId: number): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(${7_000_000_000 + repositoryId})`.execute(trx);
  }
}

/** Serialises appends to the audit hash chain (PostgreSQL; SQLite transactions already have one writer). */
export async function lockAuditChain(trx: Kysely<Database>): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(6999999999)`.execute(trx);
  }
}

/** Serialises changes to admin accounts so two admins cannot demote each other at once (PostgreSQL). */
export async function lockAccounts(trx: Kysely<Database>): Promise<void> {
  if (dialectOf(trx) === 'postgres') {
    await sql`select pg_advisory_xact_lock(6999999998)`.execute(trx);
  }
}
