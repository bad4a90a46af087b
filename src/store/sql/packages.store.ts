import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, PackagesTable } from '../db/schema.js';

export type PackageRow = Selectable<PackagesTable>;
export type NewPackageRow = Insertable<PackagesTable>;
/** The columns listings need, without the large text columns. */
export type PackageSummary = Pick<
  PackageRow,
  'id' | 'sha256' | 'format' | 'name' | 'version' | 'arch' | 'source' | 'filename' | 'size' | 'created_at'
>;

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
