import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../src/store/db/database.js';

const pragma = (file: string, name: string) => {
  const raw = new SQLite(file, { readonly: true });
  try {
    return raw.pragma(name, { simple: true });
  } finally {
    raw.close();
  }
};

describe('openDatabase (SQLite)', () => {
  it('creates a new database with 8 KiB pages in WAL mode, and opens one made with 4 KiB pages as it is', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-db-pages-'));
    const older = mkdtempSync(path.join(os.tmpdir(), 'packyard-db-pages-'));
    try {
      const db = openDatabase({ databaseUrl: '', dataDir: dir });
      await migrate(db);
      await db.destroy();
      expect(pragma(path.join(dir, 'packyard.sqlite'), 'page_size')).toBe(8192);
      expect(pragma(path.join(dir, 'packyard.sqlite'), 'journal_mode')).toBe('wal');

      // A database created by an earlier version: 4 KiB pages, already in WAL mode, with data.
      const file = path.join(older, 'packyard.sqlite');
      const made = new SQLite(file);
      made.pragma('journal_mode = WAL');
      made.exec('create table kept (v text)');
      made.prepare('insert into kept values (?)').run('from before');
      made.close();
      const reopened = openDatabase({ databaseUrl: '', dataDir: older });
      await migrate(reopened);
      await reopened.destroy();
      expect(pragma(file, 'page_size')).toBe(4096);
      const check = new SQLite(file, { readonly: true });
      expect(check.prepare('select v from kept').pluck().get()).toBe('from before');
      expect(check.prepare("select count(*) from sqlite_master where name = 'packages'").pluck().get()).toBe(1);
      check.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(older, { recursive: true, force: true });
    }
  });
});
