import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, PackagesTable } from '../db/schema.js';

export type PackageRow = Selectable<PackagesTable>;
export type NewPackageRow = Insertable<PackagesTable>;
/** The columns listings need, without the large text columns. */
export type PackageSummary = Pick<
  PackageRow,
  'id' | 'sha256' | 'format' | 'name' | 'version' | 'arch' | 'source' | 'filename' | 'size' | 'created_at'
>;

/** Values per IN list. */
const CHUNK = 500;
/** Rows per multi-row insert (19 columns each: well under either database's parameter limit). */
const INSERT_CHUNK = 100;

const SUMMARY = ['id', 'sha256', 'format', 'name', 'version', 'arch', 'source', 'filename', 'size', 'created_at'] as const;

export class PackagesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async findBySha(sha256: string, db: Kysely<Database> = this.db): Promise<PackageSummary | undefined> {
    return db.selectFrom('packages').select(SUMMARY).where('sha256', '=', sha256).executeTakeFirst();
  }

  async findByIdentity(
    format: 'deb' | 'rpm',
    name: string,
    version: string,
    arch: string,
    db: Kysely<Database> = this.db,
  ): Promise<PackageSummary[]> {
    return db
      .selectFrom('packages')
      .select(SUMMARY)
      .where('format', '=', format)
      .where('name', '=', name)
      .where('version', '=', version)
      .where('arch', '=', arch)
      .execute();
  }

  /** Ids of the given SHA-256 addresses that are stored (a group commit asks once for its whole batch). */
  async idsBySha(shas: string[], db: Kysely<Database> = this.db): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < shas.length; i += CHUNK) {
      const rows = await db.selectFrom('packages').select(['id', 'sha256']).where('sha256', 'in', shas.slice(i, i + CHUNK)).execute();
      for (const r of rows) out.set(r.sha256, r.id);
    }
    return out;
  }

  /** Every stored package of a format with one of the given names (identity checks of a whole batch). */
  async findByNames(format: 'deb' | 'rpm', names: string[], db: Kysely<Database> = this.db): Promise<PackageSummary[]> {
    const out: PackageSummary[] = [];
    for (let i = 0; i < names.length; i += CHUNK) {
      out.push(...(await db.selectFrom('packages').select(SUMMARY).where('format', '=', format).where('name', 'in', names.slice(i, i + CHUNK)).execute()));
    }
    return out;
  }

  async findByFilename(format: 'deb' | 'rpm', filename: string): Promise<PackageSummary[]> {
    return this.db
      .selectFrom('packages')
      .select(SUMMARY)
      .where('format', '=', format)
      .where('filename', '=', filename)
      .execute();
  }

  async insert(db: Kysely<Database>, row: NewPackageRow): Promise<number> {
    const r = await db.insertInto('packages').values(row).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  /** Inserts rows of distinct SHA-256 in multi-row statements; answers each row's id by its SHA-256. */
  async insertMany(db: Kysely<Database>, rows: NewPackageRow[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (let i = 0; i < rows.length; i += INSERT_CHUNK) {
      const ids = await db.insertInto('packages').values(rows.slice(i, i + INSERT_CHUNK)).returning(['id', 'sha256']).execute();
      for (const r of ids) out.set(r.sha256, r.id);
    }
    return out;
  }

  /** One rendered fragment column of the given packages, for (re)building index chunks. */
  async fragments(ids: number[], column: 'fragment_index' | 'fragment_files' | 'fragment_other'): Promise<Map<number, string>> {
    const out = new Map<number, string>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await this.db
        .selectFrom('packages')
        .select(['id', column])
        .where('id', 'in', ids.slice(i, i + 500))
        .execute();
      for (const r of rows) out.set(r.id, (r as Record<string, unknown>)[column] as string);
    }
    return out;
  }
}
