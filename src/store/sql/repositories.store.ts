import type { Kysely, Selectable } from 'kysely';
import type { Database, RepositoriesTable } from '../db/schema.js';

export type RepositoryRow = Selectable<RepositoriesTable>;

export interface Repository {
  id: number;
  name: string;
  format: 'deb' | 'rpm';
  kind: 'local' | 'mirror';
  components: string[];
  architectures: string[];
  origin: string;
  label: string;
  description: string;
  createdAt: string;
  headSnapshot: number;
  currentPublicationId: number | null;
}

function toRepository(r: RepositoryRow): Repository {
  return {
    id: r.id,
    name: r.name,
    format: r.format,
    kind: r.kind,
    components: JSON.parse(r.components),
    architectures: JSON.parse(r.architectures),
    origin: r.origin,
    label: r.label,
    description: r.description,
    createdAt: r.created_at,
    headSnapshot: r.head_snapshot,
    currentPublicationId: r.current_publication_id,
  };
}

export interface NewRepository {
  name: string;
  format: 'deb' | 'rpm';
  components: string[];
  architectures: string[];
  origin?: string;
  label?: string;
  description?: string;
  createdAt: string;
}

export class RepositoriesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Repository[]> {
    const rows = await this.db.selectFrom('repositories').selectAll().orderBy('name').execute();
    return rows.map(toRepository);
  }

  async getByName(name: string, db: Kysely<Database> = this.db): Promise<Repository | undefined> {
    const row = await db.selectFrom('repositories').selectAll().where('name', '=', name).executeTakeFirst();
    return row && toRepository(row);
  }

  async getById(id: number, db: Kysely<Database> = this.db): Promise<Repository | undefined> {
    const row = await db.selectFrom('repositories').selectAll().where('id', '=', id).executeTakeFirst();
    return row && toRepository(row);
  }

  async count(): Promise<number> {
    const r = await this.db.selectFrom('repositories').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  async create(input: NewRepository, db: Kysely<Database> = this.db): Promise<Repository> {
    const row = await db
      .insertInto('repositories')
      .values({
        name: input.name,
        format: input.format,
        kind: 'local',
        components: JSON.stringify(input.components),
        architectures: JSON.stringify(input.architectures),
        origin: input.origin ?? '',
        label: input.label ?? '',
        description: input.description ?? '',
        created_at: input.createdAt,
        head_snapshot: 0,
        current_publication_id: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRepository(row);
  }

  async update(
    db: Kysely<Database>,
    id: number,
    patch: Partial<Pick<Repository, 'components' | 'architectures' | 'origin' | 'label' | 'description'>>,
  ): Promise<void> {
    const set: Partial<Record<'components' | 'architectures' | 'origin' | 'label' | 'description', string>> = {};
    if (patch.components !== undefined) set.components = JSON.stringify(patch.components);
    if (patch.architectures !== undefined) set.architectures = JSON.stringify(patch.architectures);
    if (patch.origin !== undefined) set.origin = patch.origin;
    if (patch.label !== undefined) set.label = patch.label;
    if (patch.description !== undefined) set.description = patch.description;
    if (Object.keys(set).length === 0) return;
    await db.updateTable('repositories').set(set).where('id', '=', id).execute();
  }

  /** Removes the repository; its snapshots, memberships and publications go with it (on delete cascade). */
  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('repositories').where('id', '=', id).execute();
  }

  async setHead(db: Kysely<Database>, id: number, head: number): Promise<void> {
    await db.updateTable('repositories').set({ head_snapshot: head }).where('id', '=', id).execute();
  }

  /** Going live is this one UPDATE: the serving plane resolves everything through this pointer. */
  async setCurrentPublication(db: Kysely<Database>, id: number, publicationId: number): Promise<void> {
    await db.updateTable('repositories').set({ current_publication_id: publicationId }).where('id', '=', id).execute();
  }
}
