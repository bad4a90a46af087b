import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { type Generated, Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueuedSqliteDialect } from '../../src/store/db/sqlite-driver.js';

type Db = { counters: { id: number; n: number }; log: { seq: Generated<number>; who: number } };

describe('QueuedSqliteDialect', () => {
  let dir: string;
  let db: Kysely<Db>;

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'packyard-sqlite-driver-'));
    db = new Kysely<Db>({ dialect: new QueuedSqliteDialect(new SQLite(path.join(dir, 'x.sqlite'))) });
    await sql`create table counters (id integer primary key, n integer not null)`.execute(db);
    await sql`create table log (seq integer primary key autoincrement, who integer not null)`.execute(db);
    await db.insertInto('counters').values({ id: 1, n: 0 }).execute();
  });

  afterEach(async () => {
    await db.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('isolates concurrent transactions that await between read and write', async () => {
    await Promise.all(
      Array.from({ length: 200 }, () =>
        db.transaction().execute(async (trx) => {
          const { n } = await trx.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
          await new Promise((r) => setImmediate(r));
          await trx.updateTable('counters').set({ n: n + 1 }).where('id', '=', 1).execute();
        }),
      ),
    );
    const { n } = await db.selectFrom('counters').select('n').where('id', '=', 1).executeTakeFirstOrThrow();
    expect(n).toBe(200);
  });

  it('hands the connection out in request order', async () => {
    await Promise.all(Array.from({ length: 50 }, (_, who) => db.transaction().execute((trx) => trx.insertInto('log').values({ who }).execute())));
    const rows = await db.selectFrom('log').select('who').orderBy('seq').execute();
    expect(rows.map((r) => r.who)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it('rolls a failed transaction back and serves the next one', async () => {
    const failing = db.transaction().execute(async (trx) => {
      await trx.insertInto('log').values({ who: 1 }).execute();
      throw new Error('boom');
    });
    const next = db.transaction().execute((trx) => trx.insertInto('log').values({ who: 2 }).execute());
    await expect(failing).rejects.toThrow('boom');
    await next;
    expect((await db.selectFrom('log').select('who').execute()).map((r) => r.who)).toEqual([2]);
  });

  it('streams every row of a select and reports inserted ids', async () => {
    for (let who = 0; who < 25; who++) {
      const r = await db.insertInto('log').values({ who }).executeTakeFirstOrThrow();
      expect(Number(r.insertId)).toBe(who + 1);
    }
    const seen: number[] = [];
    for await (const row of db.selectFrom('log').select('who').orderBy('seq').stream()) seen.push(row.who);
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
  });
});
