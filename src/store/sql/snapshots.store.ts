import type { Expression, ExpressionBuilder, Kysely, SqlBool } from 'kysely';
import type { Database } from '../db/schema.js';

/**
 * What the publisher needs of each member of a snapshot, ordered by id for stable index files (read for every
 * member of a repository on a full publication, so nothing more).
 */
export interface SnapshotMember {
  packageId: number;
  component: string;
  sha256: string;
  arch: string;
}

export class SnapshotsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(db: Kysely<Database>, input: { repositoryId: number; number: number; reason: string; actor: string; createdAt: string }): Promise<void> {
    await db
      .insertInto('snapshots')
      .values({
        repository_id: input.repositoryId,
        number: input.number,
        reason: input.reason,
        actor: input.actor,
        created_at: input.createdAt,
      })
      .execute();
  }

  async addMember(db: Kysely<Database>, repositoryId: number, packageId: number, component: string, number: number): Promise<void> {
    await db
      .insertInto('repository_packages')
      .values({ repository_id: repositoryId, package_id: packageId, component, added_in: number, removed_in: null })
      .execute();
  }

  async addMembers(db: Kysely<Database>, rows: Array<{ repositoryId: number; packageId: number; component: string; number: number }>): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      const values = rows.slice(i, i + 500).map((r) => ({ repository_id: r.repositoryId, package_id: r.packageId, component: r.component, added_in: r.number, removed_in: null }));
      await db.insertInto('repository_packages').values(values).execute();
    }
  }

  /** Ends membership at snapshot `number`: earlier snapshots keep the package, later ones do not. */
  async removeMembers(db: Kysely<Database>, repositoryId: number, packageIds: number[], number: number): Promise<void> {
    if (packageIds.length === 0) return;
    await db
      .updateTable('repository_packages')
      .set({ removed_in: number })
      .where('repository_id', '=', repositoryId)
      .where('package_id', 'in', packageIds)
      .where('removed_in', 'is', null)
      .execute();
  }

  /** Which of the given packages are members of the repository's head (one query per 500 ids). */
  async liveMemberIds(repositoryId: number, packageIds: number[], db: Kysely<Database> = this.db): Promise<Set<number>> {
    const out = new Set<number>();
    for (let i = 0; i < packageIds.length; i += 500) {
      const rows = await db
        .selectFrom('repository_packages')
        .select('package_id')
        .where('repository_id', '=', repositoryId)
        .where('package_id', 'in', packageIds.slice(i, i + 500))
        .where('removed_in', 'is', null)
        .execute();
      for (const r of rows) out.add(r.package_id);
    }
    return out;
  }

  /**
   * Members of snapshot `number` in package-id order (ingest order): new packages land at the end of every
   * index, which keeps earlier index chunks — and their hash states — unchanged.
   */
  async members(repositoryId: number, number: number): Promise<SnapshotMember[]> {
    return this.memberRows(repositoryId, (eb) =>
      eb.and([eb('rp.added_in', '<=', number), eb.or([eb('rp.removed_in', 'is', null), eb('rp.removed_in', '>', number)])]),
    );
  }

  /** What changed between snapshots `from` (exclusive) and `to` (inclusive): rows added or removed in that span. */
  async changes(repositoryId: number, from: number, to: number): Promise<{ added: SnapshotMember[]; removedIds: number[] }> {
    const added = await this.memberRows(repositoryId, (eb) =>
      eb.and([eb('rp.added_in', '>', from), eb('rp.added_in', '<=', to), eb.or([eb('rp.removed_in', 'is', null), eb('rp.removed_in', '>', to)])]),
    );
    const removed = await this.db
      .selectFrom('repository_packages')
      .select('package_id')
      .where('repository_id', '=', repositoryId)
      .where('added_in', '<=', from)
      .where('removed_in', '>', from)
      .where('removed_in', '<=', to)
      .execute();
    return { added, removedIds: removed.map((r) => r.package_id) };
  }

  private async memberRows(
    repositoryId: number,
    filter: (eb: ExpressionBuilder<Database & { rp: Database['repository_packages'] }, 'rp'>) => Expression<SqlBool>,
  ): Promise<SnapshotMember[]> {
    return this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['p.id as packageId', 'rp.component', 'p.sha256', 'p.arch'])
      .where('rp.repository_id', '=', repositoryId)
      .where((eb) => filter(eb as never))
      .orderBy('p.id')
      .execute();
  }

  /** Live members of the repository that have the given file name (rpm location), for serving. */
  async liveByFilename(repositoryId: number, filename: string): Promise<{ sha256: string; size: number; created_at: string } | undefined> {
    return this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['p.sha256', 'p.size', 'p.created_at'])
      .where('rp.repository_id', '=', repositoryId)
      .where('p.filename', '=', filename)
      .where('rp.removed_in', 'is', null)
      .executeTakeFirst();
  }

  /** Whether any repository currently contains the package (pool files of removed packages are not served). */
  async isServed(packageId: number): Promise<boolean> {
    const r = await this.db
      .selectFrom('repository_packages')
      .select('package_id')
      .where('package_id', '=', packageId)
      .where('removed_in', 'is', null)
      .executeTakeFirst();
    return r !== undefined;
  }
}
