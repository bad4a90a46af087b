import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** A package of a snapshot, with what listings and diffs show. */
export interface SnapshotPackage {
  packageId: number;
  component: string;
  name: string;
  version: string;
  arch: string;
  filename: string;
  size: number;
  sha256: string;
}

/** Snapshot contents for browsing and deriving new snapshots; every query takes the caller's handle. */
export class SnapshotContentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async members(repositoryId: number, number: number, db: Kysely<Database> = this.db): Promise<SnapshotPackage[]> {
    const rows = await db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['p.id', 'rp.component', 'p.name', 'p.version', 'p.arch', 'p.filename', 'p.size', 'p.sha256'])
      .where('rp.repository_id', '=', repositoryId)
      .where('rp.added_in', '<=', number)
      .where((eb) => eb.or([eb('rp.removed_in', 'is', null), eb('rp.removed_in', '>', number)]))
      .orderBy('p.name')
      .orderBy('p.id')
      .execute();
    return rows.map((r) => ({ packageId: r.id, component: r.component, name: r.name, version: r.version, arch: r.arch, filename: r.filename, size: r.size, sha256: r.sha256 }));
  }

  /** Snapshot numbers of the repository, newest first. */
  async numbers(repositoryId: number, db: Kysely<Database> = this.db): Promise<number[]> {
    const rows = await db.selectFrom('snapshots').select('number').where('repository_id', '=', repositoryId).orderBy('number', 'desc').execute();
    return rows.map((r) => r.number);
  }

  async deleteSnapshots(db: Kysely<Database>, repositoryId: number, numbers: number[]): Promise<void> {
    for (let i = 0; i < numbers.length; i += 500) {
      await db.deleteFrom('snapshots').where('repository_id', '=', repositoryId).where('number', 'in', numbers.slice(i, i + 500)).execute();
    }
  }

  /** Closed membership intervals [added_in, removed_in) of the repository. */
  async closedIntervals(repositoryId: number, db: Kysely<Database> = this.db): Promise<Array<{ packageId: number; addedIn: number; removedIn: number }>> {
    const rows = await db
      .selectFrom('repository_packages')
      .select(['package_id', 'added_in', 'removed_in'])
      .where('repository_id', '=', repositoryId)
      .where('removed_in', 'is not', null)
      .execute();
    return rows.map((r) => ({ packageId: r.package_id, addedIn: r.added_in, removedIn: r.removed_in! }));
  }

  async deleteInterval(db: Kysely<Database>, repositoryId: number, packageId: number, addedIn: number): Promise<void> {
    await db.deleteFrom('repository_packages').where('repository_id', '=', repositoryId).where('package_id', '=', packageId).where('added_in', '=', addedIn).execute();
  }

  /** Of these packages, the ones no repository references any more. */
  async unreferencedPackages(ids: number[], db: Kysely<Database> = this.db): Promise<number[]> {
    if (ids.length === 0) return [];
    const used = new Set<number>();
    for (let i = 0; i < ids.length; i += 500) {
      const rows = await db.selectFrom('repository_packages').select('package_id').distinct().where('package_id', 'in', ids.slice(i, i + 500)).execute();
      for (const r of rows) used.add(r.package_id);
    }
    return ids.filter((id) => !used.has(id));
  }

  async deletePackage(id: number): Promise<void> {
    await this.db.deleteFrom('packages').where('id', '=', id).execute();
  }

  /**
   * Publications nobody serves any more: their snapshot is gone (or a newer publication of it exists),
   * they are neither `current` nor an
   * environment's, and they are older than `before` (by-hash grace).
   */
  async stalePublications(before: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom('publications as p')
      .leftJoin('snapshots as s', (j) => j.onRef('s.repository_id', '=', 'p.repository_id').onRef('s.number', '=', 'p.snapshot_number'))
      .select('p.id')
      .where((eb) =>
        eb.or([
          eb('s.id', 'is', null),
          eb.exists(eb.selectFrom('publications as n').select('n.id').whereRef('n.repository_id', '=', 'p.repository_id').whereRef('n.snapshot_number', '=', 'p.snapshot_number').whereRef('n.id', '>', 'p.id')),
        ]),
      )
      .where('p.created_at', '<', before)
      .where((eb) => eb.not(eb.exists(eb.selectFrom('repositories as r').select('r.id').whereRef('r.current_publication_id', '=', 'p.id'))))
      .where((eb) => eb.not(eb.exists(eb.selectFrom('repository_environments as re').select('re.publication_id').whereRef('re.publication_id', '=', 'p.id'))))
      .execute();
    return rows.map((r) => r.id);
  }

  async deletePublications(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      const chunk = ids.slice(i, i + 500);
      await this.db.transaction().execute(async (trx) => {
        await trx.deleteFrom('publication_files').where('publication_id', 'in', chunk).execute();
        await trx.deleteFrom('publications').where('id', 'in', chunk).execute();
      });
    }
  }

  /** Every blob address the database references: package files, publication files and their parts, index chunks. */
  async *referencedBlobs(): AsyncGenerator<string> {
    const page = 5000;
    for (let after = 0; ; ) {
      const rows = await this.db.selectFrom('packages').select(['id', 'sha256']).where('id', '>', after).orderBy('id').limit(page).execute();
      for (const r of rows) yield r.sha256;
      if (rows.length < page) break;
      after = rows[rows.length - 1].id;
    }
    const pubs = await this.db.selectFrom('publications').select('id').orderBy('id').execute();
    for (const p of pubs) {
      const files = await this.db.selectFrom('publication_files').select(['sha256', 'parts']).where('publication_id', '=', p.id).execute();
      for (const f of files) {
        yield f.sha256;
        for (const part of JSON.parse(f.parts) as Array<{ sha256: string }>) yield part.sha256;
      }
    }
    const chunks = await this.db.selectFrom('index_chunks').select(['raw_sha', 'gz_sha', 'xz_sha']).execute();
    for (const c of chunks) {
      yield c.raw_sha;
      yield c.gz_sha;
      if (c.xz_sha) yield c.xz_sha;
    }
  }
}
