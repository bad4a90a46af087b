import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { Database } from '../store/db/schema.js';
import type { EnvironmentsStore } from '../store/sql/environments.store.js';
import type { Profile, ProfileInput, ProfilesStore } from '../store/sql/profiles.store.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import { CURRENT } from './environment.service.js';
import { type ClientConfigContext, clientConfigs, hostnameOf, newFormatRepos, serverKeys } from './profile-config.js';

export const PROFILE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface ProfileWrite extends ProfileInput {
  repositories: Array<{ name: string; environment?: string }>;
}

/** Host profiles: member repositories (optionally pinned to an environment), excludes, services. */
export class ProfileService {
  constructor(private readonly deps: { db: Kysely<Database>; profiles: ProfilesStore; repositories: RepositoriesStore; environments: EnvironmentsStore; audit: AuditService; clock: Clock }) {}

  list(): Promise<Profile[]> {
    return this.deps.profiles.list();
  }

  async get(name: string): Promise<Profile> {
    const p = await this.deps.profiles.getByName(name);
    if (!p) throw new AppError('NOT_FOUND', `profile "${name}" does not exist`);
    return p;
  }

  async create(actor: Actor, name: string, input: ProfileWrite): Promise<Profile> {
    const { deps } = this;
    if (!PROFILE_NAME.test(name)) throw new AppError('VALIDATION_FAILED', `invalid profile name "${name}"`);
    const members = await this.resolveMembers(input.repositories);
    await deps.db.transaction().execute(async (trx) => {
      if (await deps.profiles.getByName(name, trx)) throw new AppError('ALREADY_EXISTS', `profile "${name}" already exists`);
      const id = await deps.profiles.create(trx, name, input, deps.clock.now().toISOString());
      await deps.profiles.setMembers(trx, id, members);
      await deps.audit.record(trx, { actor, action: 'PROFILE_CHANGE', result: 'SUCCESS', detail: { op: 'create', profile: name, repositories: input.repositories } });
    });
    return this.get(name);
  }

  async replace(actor: Actor, name: string, input: ProfileWrite): Promise<Profile> {
    const { deps } = this;
    const existing = await this.get(name);
    const members = await this.resolveMembers(input.repositories);
    await deps.db.transaction().execute(async (trx) => {
      await deps.profiles.update(trx, existing.id, input, deps.clock.now().toISOString());
      await deps.profiles.setMembers(trx, existing.id, members);
      await deps.audit.record(trx, { actor, action: 'PROFILE_CHANGE', result: 'SUCCESS', detail: { op: 'update', profile: name, repositories: input.repositories } });
    });
    return this.get(name);
  }

  async delete(actor: Actor, name: string): Promise<void> {
    const { deps } = this;
    const existing = await this.get(name);
    await deps.db.transaction().execute(async (trx) => {
      await deps.profiles.delete(trx, existing.id);
      await deps.audit.record(trx, { actor, action: 'PROFILE_CHANGE', result: 'SUCCESS', detail: { op: 'delete', profile: name } });
    });
  }

  /** Repomanager's `repos` list: client configuration per member, with __ENV__ for unpinned members. */
  async repos(name: string, ctx: ClientConfigContext) {
    const profile = await this.get(name);
    const out = [];
    for (const m of profile.repositories) out.push(...clientConfigs(ctx, m, await this.components(m.repositoryId)));
    return out;
  }

  async reposNewFormat(name: string, ctx: ClientConfigContext) {
    const profile = await this.get(name);
    const repos = [];
    for (const m of profile.repositories) repos.push(...newFormatRepos(ctx, m, await this.components(m.repositoryId)));
    return { repos, reposerver: { gpgkey_url: serverKeys(ctx).armored, hostname: hostnameOf(ctx) } };
  }

  private async components(repositoryId: number): Promise<string[]> {
    const repo = await this.deps.repositories.getById(repositoryId);
    return repo?.components.length ? repo.components : ['main'];
  }

  private async resolveMembers(list: ProfileWrite['repositories']): Promise<Array<{ repositoryId: number; environment: string }>> {
    const known = new Set((await this.deps.environments.list()).map((e) => e.name));
    const out: Array<{ repositoryId: number; environment: string }> = [];
    for (const m of list) {
      const repo = await this.deps.repositories.getByName(m.name);
      if (!repo) throw new AppError('NOT_FOUND', `no repository "${m.name}"`);
      const env = m.environment ?? '';
      if (env && env !== CURRENT && !known.has(env)) throw new AppError('NOT_FOUND', `no environment "${env}"`);
      if (out.some((o) => o.repositoryId === repo.id)) throw new AppError('VALIDATION_FAILED', `repository "${m.name}" listed twice`);
      out.push({ repositoryId: repo.id, environment: env });
    }
    return out;
  }
}
