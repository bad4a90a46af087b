import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/**
 * Values read inside a transaction, remembered for the rest of that transaction (a group commit asks the
 * same questions once per upload). Outside a transaction nothing is remembered. Writers in the same
 * transaction keep it true with `set`.
 */
export class TransactionMemo<K, V> {
  private readonly byTransaction = new WeakMap<Kysely<Database>, Map<K, V>>();

  async get(db: Kysely<Database>, key: K, load: () => Promise<V>): Promise<V> {
    if (!db.isTransaction) return load();
    const memo = this.memo(db);
    if (memo.has(key)) return memo.get(key) as V;
    const value = await load();
    memo.set(key, value);
    return value;
  }

  set(db: Kysely<Database>, key: K, value: V): void {
    if (db.isTransaction) this.memo(db).set(key, value);
  }

  private memo(trx: Kysely<Database>): Map<K, V> {
    let m = this.byTransaction.get(trx);
    if (!m) this.byTransaction.set(trx, (m = new Map()));
    return m;
  }
}
