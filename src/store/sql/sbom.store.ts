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
 * Reads for SBOM and VEX exports: live repository members in package-id pages, so an export of a large
 * repository streams instead of loading every row (and every file list) at once.
 */
export class SbomStore {
  constructor(private readonly db: Kysely<Database>) {}

  async livePage(repositoryId: number, opts: { afterId: number; limit: number; withFiles: boolean; arches?: string[]; ids?: number[] }): Promise<SbomRow[]> {
    let q = this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['p.id', 'p.name', 'p.version', 'p.arch', 'p.filename', 'p.size', 'p.sha256', 'p.sha1', 'p.md5', 'p.meta'])
      .where('rp.repository_id', '=', repositoryId)
      .where('rp.removed_in', 'is', null)
      .where('p.id', '>', opts.afterId);
    if (opts.arches) q = q.where('p.arch', 'in', opts.arches);
    if (opts.ids) q = q.where('p.id', 'in', opts.ids.length ? opts.ids : [-1]);
    const rows = opts.withFiles
      ? await q.select('p.files').orderBy('p.id').limit(opts.limit).execute()
      : (await q.orderBy('p.id').limit(opts.limit).execute()).map((r) => ({ ...r, files: null }));
    return rows;
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
