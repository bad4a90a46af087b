import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, type Migration, type MigrationProvider, Migrator, PostgresDialect } from 'kysely';
import pg from 'pg';
import * as m001 from './migrations/001-initial.js';
import * as m002 from './migrations/002-audit.js';
import * as m002j from './migrations/002-jobs.js';
import * as m003 from './migrations/003-accounts.js';
import * as m004 from './migrations/004-security.js';
import * as m005 from './migrations/005-hosts.js';
import * as m006 from './migrations/006-operations.js';
import * as m007 from './migrations/007-catalog.js';
import * as m008 from './migrations/008-environments.js';
import type { Database } from './schema.js';
import { QueuedSqliteDialect } from './sqlite-driver.js';

// pg returns int8 (count(*), bigint sizes) as strings; every value we store fits a double.
pg.types.setTypeParser(20, Number);

const migrations: Record<string, Migration> = {
  '001-initial': m001,
  '002-audit': m002,
  '002-jobs': m002j,
  '003-accounts': m003,
  '004-security': m004,
  '005-hosts': m005,
  '006-operations': m006,
  '007-catalog': m007,
  '008-environments': m008,
};

const provider: MigrationProvider = { getMigrations: async () => migrations };

export function openDatabase(opts: { databaseUrl: string; dataDir: string; onPoolError?: (err: Error) => void }): Kysely<Database> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 10 });
    // An idle connection the server closes (restart, admin kill) must not crash the process; the pool
    // replaces it on the next checkout.
    pool.on('error', (err) => opts.onPoolError?.(err));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const file = path.join(opts.dataDir, 'packyard.sqlite');
  const sqlite = new SQLite(file);
  // 8 KiB pages, for a database created now (an existing one keeps its page size; VACUUM changes it). A
  // package row is 2-4 KB (metadata, file list, rendered fragments): with 4 KiB pages most leaves held one
  // row and were half empty (50k synthetic packages: 248 MB, 1 row per page). 8 KiB: 180 MB, and a full
  // publication reads its fragments 0.3 s (12%) faster. 16 KiB gained nothing more and wrote 40% more WAL.
  sqlite.pragma('page_size = 8192');
  sqlite.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before the client hears about it (uploads are answered after their commit).
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('temp_store = MEMORY');
  // 8 MB of page cache (better-sqlite3 builds SQLite with 16 MB). The hot pages of an ingest (index leaves, the
  // table's tail) fit; the rest is one pread away in the OS page cache. 50k batch ingest: peak RSS 5-10 MB lower.
  sqlite.pragma('cache_size = -8000');
  sqlite.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new QueuedSqliteDialect(sqlite) });
}

export async function migrate(db: Kysely<Database>): Promise<void> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(`database migration failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
  }
}
