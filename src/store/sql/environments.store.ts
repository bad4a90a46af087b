import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';
import type { PublicationFile } from './publications.store.js';

export interface Environment {
  id: number;
  name: string;
  color: string;
  description: string;
  createdAt: string;
}

export interface EnvironmentPointer {
  repositoryId: number;
  environmentId: number;
  environment: string;
  snapshotNumber: number;
  publicationId: number;
  updatedAt: string;
  updatedBy: string;
}

export interface SnapshotRow {
  id: number;
  repositoryId: number;
  number: number;
  createdAt: string;
  reason: string;
  actor: string;
}

const toEnv = (r: { id: number; name: string; color: string; description: string; created_at: string }): Environment => ({
  id: r.id,
  name: r.name,
  color: r.color,
  description: r.description,
  createdAt: r.created_at,
});

const toSnapshot = (r: { id: number; repository_id: number; number: number; created_at: string; reason: string; actor: string }): SnapshotRow => ({
  id: r.id,
  repositoryId: r.repository_id,
  number: r.number,
  createdAt: r.created_at,
  reason: r.reason,
  actor: r.actor,
});

/** Environments, their per-repository pointers, and the snapshot lookups environments need. */
export class EnvironmentsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Environment[]> {
    return (await this.db.selectFrom('environments').selectAll().orderBy('id').execute()).map(toEnv);
  }

  async getByName(name: string, db: Kysely<Database> = this.db): Promise<Environment | undefined> {
    const r = await db.selectFrom('environments').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toEnv(r);
  }

  async create(db: Kysely<Database>, input: { name: string; color: string; description: string; createdAt: string }): Promise<Environment> {
    const r = await db
      .insertInto('environments')
      .values({ name: input.name, color: input.color, description: input.description, created_at: input.createdAt })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toEnv(r);
  }

  async update(db: Kysely<Database>, id: number, input: { color?: string; description?: string }): Promise<void> {
    if (input.color === undefined && input.description === undefined) return;
    await db.updateTable('environments').set(input).where('id', '=', id).execute();
  }

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('repository_environments').where('environment_id', '=', id).execute();
    await db.deleteFrom('environments').where('id', '=', id).execute();
  }

  async pointers(repositoryId?: number, db: Kysely<Database> = this.db): Promise<EnvironmentPointer[]> {
    let q = db
      .selectFrom('repository_environments as re')
      .innerJoin('environments as e', 'e.id', 're.environment_id')
      .select(['re.repository_id', 're.environment_id', 'e.name', 're.snapshot_number', 're.publication_id', 're.updated_at', 're.updated_by']);
    if (repositoryId !== undefined) q = q.where('re.repository_id', '=', repositoryId);
    const rows = await q.orderBy('re.repository_id').orderBy('e.id').execute();
    return rows.map((r) => ({
      repositoryId: r.repository_id,
      environmentId: r.environment_id,
      environment: r.name,
      snapshotNumber: r.snapshot_number,
      publicationId: r.publication_id,
      updatedAt: r.updated_at,
      updatedBy: r.updated_by,
    }));
  }

  async pointer(repositoryId: number, environment: string): Promise<EnvironmentPointer | undefined> {
    return (await this.pointers(repositoryId)).find((p) => p.environment === environment);
  }

  /** The atomic move: one INSERT or UPDATE of the pointer row, inside the caller's transaction. */
  async setPointer(db: Kysely<Database>, p: { repositoryId: number; environmentId: number; snapshotNumber: number; publicationId: number; updatedAt: string; updatedBy: string }): Promise<void> {
    const values = { snapshot_number: p.snapshotNumber, publication_id: p.publicationId, updated_at: p.updatedAt, updated_by: p.updatedBy };
    await db
      .insertInto('repository_environments')
      .values({ repository_id: p.repositoryId, environment_id: p.environmentId, ...values })
      .onConflict((oc) => oc.columns(['repository_id', 'environment_id']).doUpdateSet(values))
      .execute();
  }

  /** Pointers of this repository's snapshot move to a freshly built publication of the same snapshot (rebuild). */
  async repointPublication(db: Kysely<Database>, repositoryId: number, snapshotNumber: number, publicationId: number): Promise<number> {
    const r = await db
      .updateTable('repository_environments')
      .set({ publication_id: publicationId })
      .where('repository_id', '=', repositoryId)
      .where('snapshot_number', '=', snapshotNumber)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  async snapshotById(id: number, db: Kysely<Database> = this.db): Promise<SnapshotRow | undefined> {
    const r = await db.selectFrom('snapshots').selectAll().where('id', '=', id).executeTakeFirst();
    return r && toSnapshot(r);
  }

  async snapshotByNumber(repositoryId: number, number: number, db: Kysely<Database> = this.db): Promise<SnapshotRow | undefined> {
    const r = await db.selectFrom('snapshots').selectAll().where('repository_id', '=', repositoryId).where('number', '=', number).executeTakeFirst();
    return r && toSnapshot(r);
  }

  /** Newest first. */
  async snapshots(repositoryId: number): Promise<SnapshotRow[]> {
    const rows = await this.db.selectFrom('snapshots').selectAll().where('repository_id', '=', repositoryId).orderBy('number', 'desc').execute();
    return rows.map(toSnapshot);
  }

  /** The newest publication built for this snapshot, if any. */
  async publicationOf(repositoryId: number, snapshotNumber: number, db: Kysely<Database> = this.db): Promise<number | undefined> {
    const r = await db
      .selectFrom('publications')
      .select('id')
      .where('repository_id', '=', repositoryId)
      .where('snapshot_number', '=', snapshotNumber)
      .orderBy('id', 'desc')
      .executeTakeFirst();
    return r?.id;
  }

  /** A package of snapshot `number` of the repository with this file name (pool path or Packages/<file>). */
  async memberByFilename(repositoryId: number, number: number, filename: string): Promise<{ sha256: string; size: number; created_at: string } | undefined> {
    return this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['p.sha256', 'p.size', 'p.created_at'])
      .where('rp.repository_id', '=', repositoryId)
      .where('p.filename', '=', filename)
      .where('rp.added_in', '<=', number)
      .where((eb) => eb.or([eb('rp.removed_in', 'is', null), eb('rp.removed_in', '>', number)]))
      .executeTakeFirst();
  }

  async publicationFileByHash(publicationId: number, dir: string, sha256: string): Promise<PublicationFile | undefined> {
    const r = await this.db
      .selectFrom('publication_files')
      .select(['path', 'sha256', 'size', 'parts'])
      .where('publication_id', '=', publicationId)
      .where('sha256', '=', sha256)
      .where('path', 'like', `${dir}/%`)
      .executeTakeFirst();
    return r && { path: r.path, sha256: r.sha256, size: r.size, parts: JSON.parse(r.parts) };
  }
}
