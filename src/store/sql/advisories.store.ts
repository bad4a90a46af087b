import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecurityAdvisoriesTable } from '../db/tables/security.tables.js';

export type AdvisoryRow = Selectable<SecurityAdvisoriesTable>;
export type NewAdvisoryRow = Insertable<SecurityAdvisoriesTable>;
/** What the matcher reads of an advisory. */
export type MatchableAdvisory = Pick<
  AdvisoryRow,
  'id' | 'release_key' | 'source_package' | 'advisory_id' | 'cve_ids' | 'severity' | 'fixed_version' | 'fix_state' | 'ranges' | 'versions'
>;

const MATCHABLE = ['id', 'release_key', 'source_package', 'advisory_id', 'cve_ids', 'severity', 'fixed_version', 'fix_state', 'ranges', 'versions'] as const;
// Rows per statement: few round trips (the re-match reads 50k names), bound parameters well under SQLite's and PostgreSQL's limits.
const BATCH = 1000;

export class AdvisoriesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async hashesByKey(keys: string[], db: Kysely<Database> = this.db): Promise<Map<string, { id: number; hash: string }>> {
    const out = new Map<string, { id: number; hash: string }>();
    for (let i = 0; i < keys.length; i += BATCH) {
      const rows = await db.selectFrom('security_advisories').select(['id', 'key', 'content_hash']).where('key', 'in', keys.slice(i, i + BATCH)).execute();
      for (const r of rows) out.set(r.key, { id: r.id, hash: r.content_hash });
    }
    return out;
  }

  async insertMany(rows: NewAdvisoryRow[], db: Kysely<Database> = this.db): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await db.insertInto('security_advisories').values(rows.slice(i, i + BATCH)).execute();
  }

  async update(id: number, row: Omit<NewAdvisoryRow, 'key'>, db: Kysely<Database> = this.db): Promise<void> {
    await db.updateTable('security_advisories').set(row).where('id', '=', id).execute();
  }

  async deleteByKeys(keys: string[], db: Kysely<Database> = this.db): Promise<number> {
    let n = 0;
    for (let i = 0; i < keys.length; i += BATCH) {
      const r = await db.deleteFrom('security_advisories').where('key', 'in', keys.slice(i, i + BATCH)).executeTakeFirst();
      n += Number(r.numDeletedRows);
    }
    return n;
  }

  /** Advisories of the given feed releases naming any of the given packages: an index range scan per name. */
  async lookup(releaseKeys: string[], names: string[], db: Kysely<Database> = this.db): Promise<MatchableAdvisory[]> {
    if (!releaseKeys.length || !names.length) return [];
    const out: MatchableAdvisory[] = [];
    for (let i = 0; i < names.length; i += BATCH) {
      out.push(
        ...(await db
          .selectFrom('security_advisories')
          .select(MATCHABLE)
          .where('release_key', 'in', releaseKeys)
          .where('source_package', 'in', names.slice(i, i + BATCH))
          .execute()),
      );
    }
    return out;
  }

  /** Advisories whose id or CVE aliases name `cve` (aliases are a JSON array of quoted ids). */
  async byCve(cve: string, db: Kysely<Database> = this.db): Promise<MatchableAdvisory[]> {
    const quoted = `%${JSON.stringify(cve).replace(/[%_]/g, '')}%`;
    return db
      .selectFrom('security_advisories')
      .select(MATCHABLE)
      .where((eb) => eb.or([eb('advisory_id', '=', cve), eb('cve_ids', 'like', quoted)]))
      .execute();
  }

  async byIds(ids: number[], db: Kysely<Database> = this.db): Promise<AdvisoryRow[]> {
    const out: AdvisoryRow[] = [];
    for (let i = 0; i < ids.length; i += BATCH) {
      out.push(...(await db.selectFrom('security_advisories').selectAll().where('id', 'in', ids.slice(i, i + BATCH)).execute()));
    }
    return out;
  }

  async countByFeed(feedId: number): Promise<number> {
    const r = await this.db.selectFrom('security_advisories').select((eb) => eb.fn.countAll<number>().as('n')).where('feed_id', '=', feedId).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async releaseKeysOfFeed(feedId: number): Promise<string[]> {
    const rows = await this.db.selectFrom('security_advisories').select('release_key').distinct().where('feed_id', '=', feedId).execute();
    return rows.map((r) => r.release_key);
  }

  async deleteByFeed(feedId: number, db: Kysely<Database> = this.db): Promise<number> {
    const r = await db.deleteFrom('security_advisories').where('feed_id', '=', feedId).executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
