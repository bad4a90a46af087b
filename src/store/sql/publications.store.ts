import type { Kysely, Selectable } from 'kysely';
import type { Database, IndexChunksTable } from '../db/schema.js';

export interface PublicationFile {
  path: string;
  sha256: string;
  size: number;
  /** Blobs whose concatenation is the file. */
  parts: Array<{ sha256: string; size: number }>;
}

export type IndexChunk = Selectable<IndexChunksTable>;

export class PublicationsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async create(
    db: Kysely<Database>,
    input: { repositoryId: number; snapshotNumber: number; createdAt: string; files: PublicationFile[] },
  ): Promise<number> {
    const pub = await db
      .insertInto('publications')
      .values({ repository_id: input.repositoryId, snapshot_number: input.snapshotNumber, created_at: input.createdAt })
      .returning('id')
      .executeTakeFirstOrThrow();
    const rows = input.files.map((f) => ({
      publication_id: pub.id,
      path: f.path,
      sha256: f.sha256,
      size: f.size,
      parts: JSON.stringify(f.parts),
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await db.insertInto('publication_files').values(rows.slice(i, i + 200)).execute();
    }
    return pub.id;
  }

  async getFile(publicationId: number, path: string): Promise<PublicationFile | undefined> {
    const r = await this.db
      .selectFrom('publication_files')
      .select(['path', 'sha256', 'size', 'parts'])
      .where('publication_id', '=', publicationId)
      .where('path', '=', path)
      .executeTakeFirst();
    return r && { path: r.path, sha256: r.sha256, size: r.size, parts: JSON.parse(r.parts) };
  }

  /** Every file of a publication. */
  async files(publicationId: number): Promise<PublicationFile[]> {
    const rows = await this.db.selectFrom('publication_files').select(['path', 'sha256', 'size', 'parts']).where('publication_id', '=', publicationId).execute();
    return rows.map((r) => ({ path: r.path, sha256: r.sha256, size: r.size, parts: JSON.parse(r.parts) }));
  }

  async getPublication(id: number, db: Kysely<Database> = this.db): Promise<{ id: number; snapshotNumber: number; createdAt: string } | undefined> {
    const r = await db.selectFrom('publications').select(['id', 'snapshot_number', 'created_at']).where('id', '=', id).executeTakeFirst();
    return r && { id: r.id, snapshotNumber: r.snapshot_number, createdAt: r.created_at };
  }

  /**
   * A file of this repository's current or recent publications with this SHA-256 whose path lies in `dir`
   * (APT by-hash: a client holding an older InRelease still gets the index files it names).
   */
  async findByHash(repositoryId: number, dir: string, sha256: string, since: string): Promise<PublicationFile | undefined> {
    const r = await this.db
      .selectFrom('publication_files as f')
      .innerJoin('publications as p', 'p.id', 'f.publication_id')
      .innerJoin('repositories as r', 'r.id', 'p.repository_id')
      .select(['f.path', 'f.sha256', 'f.size', 'f.parts'])
      .where('p.repository_id', '=', repositoryId)
      .where('f.sha256', '=', sha256)
      .where((eb) => eb.or([eb('p.created_at', '>=', since), eb('p.id', '=', eb.ref('r.current_publication_id'))]))
      .where('f.path', 'like', `${dir}/%`)
      .executeTakeFirst();
    return r && { path: r.path, sha256: r.sha256, size: r.size, parts: JSON.parse(r.parts) };
  }

  async chunks(keys: string[]): Promise<Map<string, IndexChunk>> {
    const out = new Map<string, IndexChunk>();
    for (let i = 0; i < keys.length; i += 500) {
      const rows = await this.db.selectFrom('index_chunks').selectAll().where('key', 'in', keys.slice(i, i + 500)).execute();
      for (const r of rows) out.set(r.key, r);
    }
    return out;
  }

  async saveChunks(chunks: IndexChunk[]): Promise<void> {
    for (let i = 0; i < chunks.length; i += 100) {
      await this.db
        .insertInto('index_chunks')
        .values(chunks.slice(i, i + 100))
        .onConflict((oc) => oc.column('key').doNothing())
        .execute();
    }
  }

  /** Forgets the cached index chunks stored in any of these blobs (they must be rebuilt). */
  async forgetChunksWith(shas: string[]): Promise<void> {
    for (let i = 0; i < shas.length; i += 300) {
      const some = shas.slice(i, i + 300);
      await this.db
        .deleteFrom('index_chunks')
        .where((eb) => eb.or([eb('raw_sha', 'in', some), eb('gz_sha', 'in', some), eb('xz_sha', 'in', some)]))
        .execute();
    }
  }

  /** Forgets every cached index chunk (the next publication recompresses everything). */
  async forgetChunks(): Promise<void> {
    await this.db.deleteFrom('index_chunks').execute();
  }
}
