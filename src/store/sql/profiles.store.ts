import type { Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { ProfilesTable } from '../db/tables/environments.tables.js';

export interface ProfileMember {
  repositoryId: number;
  repository: string;
  format: 'deb' | 'rpm';
  /** Fixed environment, or '' for the host's own (__ENV__). */
  environment: string;
}

export interface Profile {
  id: number;
  name: string;
  packageExclude: string[];
  packageExcludeMajor: string[];
  serviceReload: string[];
  serviceRestart: string[];
  notes: string;
  createdAt: string;
  updatedAt: string;
  repositories: ProfileMember[];
}

export interface ProfileInput {
  packageExclude: string[];
  packageExcludeMajor: string[];
  serviceReload: string[];
  serviceRestart: string[];
  notes: string;
}

function toProfile(r: Selectable<ProfilesTable>, repositories: ProfileMember[]): Profile {
  return {
    id: r.id,
    name: r.name,
    packageExclude: JSON.parse(r.package_exclude),
    packageExcludeMajor: JSON.parse(r.package_exclude_major),
    serviceReload: JSON.parse(r.service_reload),
    serviceRestart: JSON.parse(r.service_restart),
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    repositories,
  };
}

const columns = (p: ProfileInput) => ({
  package_exclude: JSON.stringify(p.packageExclude),
  package_exclude_major: JSON.stringify(p.packageExcludeMajor),
  service_reload: JSON.stringify(p.serviceReload),
  service_restart: JSON.stringify(p.serviceRestart),
  notes: p.notes,
});

export class ProfilesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async list(): Promise<Profile[]> {
    const rows = await this.db.selectFrom('profiles').selectAll().orderBy('name').execute();
    const members = await this.members();
    return rows.map((r) => toProfile(r, members.get(r.id) ?? []));
  }

  async getByName(name: string, db: Kysely<Database> = this.db): Promise<Profile | undefined> {
    const r = await db.selectFrom('profiles').selectAll().where('name', '=', name).executeTakeFirst();
    return r && toProfile(r, (await this.members(r.id, db)).get(r.id) ?? []);
  }

  async create(db: Kysely<Database>, name: string, input: ProfileInput, now: string): Promise<number> {
    const r = await db.insertInto('profiles').values({ name, ...columns(input), created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    return r.id;
  }

  async update(db: Kysely<Database>, id: number, input: ProfileInput, now: string): Promise<void> {
    await db.updateTable('profiles').set({ ...columns(input), updated_at: now }).where('id', '=', id).execute();
  }

  async setMembers(db: Kysely<Database>, id: number, members: Array<{ repositoryId: number; environment: string }>): Promise<void> {
    await db.deleteFrom('profile_repositories').where('profile_id', '=', id).execute();
    if (members.length === 0) return;
    await db
      .insertInto('profile_repositories')
      .values(members.map((m, position) => ({ profile_id: id, repository_id: m.repositoryId, environment: m.environment, position })))
      .execute();
  }

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('profile_repositories').where('profile_id', '=', id).execute();
    await db.deleteFrom('profiles').where('id', '=', id).execute();
  }

  private async members(profileId?: number, db: Kysely<Database> = this.db): Promise<Map<number, ProfileMember[]>> {
    let q = db
      .selectFrom('profile_repositories as pr')
      .innerJoin('repositories as r', 'r.id', 'pr.repository_id')
      .select(['pr.profile_id', 'pr.repository_id', 'r.name', 'r.format', 'pr.environment']);
    if (profileId !== undefined) q = q.where('pr.profile_id', '=', profileId);
    const rows = await q.orderBy('pr.profile_id').orderBy('pr.position').execute();
    const out = new Map<number, ProfileMember[]>();
    for (const r of rows) {
      const list = out.get(r.profile_id) ?? [];
      list.push({ repositoryId: r.repository_id, repository: r.name, format: r.format, environment: r.environment });
      out.set(r.profile_id, list);
    }
    return out;
  }
}
