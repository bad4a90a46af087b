import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** One live member of a repository with what an SBOM needs (files only when asked for). */
export interface SbomRow {
  id: number;
  name: string;
  version: string;
  arch: string;
  filename: string;
  size: number;
  sha256: string;
  sha1: string;
  md5: string;
  meta: string;
  files: string | null;
}

/**
 * Reads for SBOM and VEX exports: the ids of a repository's live members first (small), then their rows
 * page by page by primary key, so an export of a large repository streams instead of loading every row (and
 * every file list) at once, and no page query sorts the whole repository.
 */
export class SbomStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Ids of the live members of a repository (optionally of some architectures), ascending. */
  async liveIds(repositoryId: number, arches?: string[]): Promise<number[]> {
    let q = this.db
      .selectFrom('repository_packages as rp')
      .select('rp.package_id')
      .where('rp.repository_id', '=', repositoryId)
      .where('rp.removed_in', 'is', null);
    if (arches) q = q.where('rp.package_id', 'in', (eb) => eb.selectFrom('packages').select('id').where('arch', 'in', arches));
    const rows = await q.execute();
    return rows.map((r) => r.package_id).sort((a, b) => a - b);
  }

  /** The rows of the given packages (one page of ids), by primary key, in id order. */
  async rows(ids: number[], withFiles: boolean): Promise<SbomRow[]> {
    if (!ids.length) return [];
    const q = this.db
      .selectFrom('packages as p')
      .select(['p.id', 'p.name', 'p.version', 'p.arch', 'p.filename', 'p.size', 'p.sha256', 'p.sha1', 'p.md5', 'p.meta'])
      .where('p.id', 'in', ids)
      .orderBy('p.id');
    return withFiles ? q.select('p.files').execute() : (await q.execute()).map((r) => ({ ...r, files: null }));
  }

  /** Live memberships of the packages called `name` at `version`: which repository, which package. */
  async liveByNameVersion(name: string, version: string): Promise<Array<{ packageId: number; repositoryId: number; repository: string; arch: string }>> {
    const rows = await this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .innerJoin('repositories as r', 'r.id', 'rp.repository_id')
      .select(['p.id as packageId', 'r.id as repositoryId', 'r.name as repository', 'p.arch'])
      .where('p.name', '=', name)
      .where('p.version', '=', version)
      .where('rp.removed_in', 'is', null)
      .orderBy('r.name')
      .orderBy('p.arch')
      .orderBy('p.id')
      .execute();
    return rows;
  }
}
