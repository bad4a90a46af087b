import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { Environment, EnvironmentsStore, SnapshotRow } from '../store/sql/environments.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { PublishService } from './publish.service.js';

export const ENV_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;
/** The implicit environment every repository has: it follows the newest snapshot. */
export const CURRENT = 'current';

export interface RepositoryEnvironment {
  environment: string;
  color: string;
  snapshot: number;
  snapshotId: number | null;
  publicationId: number;
  updatedAt: string;
  updatedBy: string;
}

export interface EnvironmentDeps {
  db: Kysely<Database>;
  environments: EnvironmentsStore;
  repositories: RepositoriesStore;
  publications: PublicationsStore;
  publisher: PublishService;
  audit: AuditService;
  clock: Clock;
}

/** Admin-defined environments and the atomic move of a repository's environment to one of its snapshots. */
export class EnvironmentService {
  constructor(private readonly deps: EnvironmentDeps) {}

  list(): Promise<Environment[]> {
    return this.deps.environments.list();
  }

  async get(name: string): Promise<Environment> {
    const env = await this.deps.environments.getByName(name);
    if (!env) throw new AppError('NOT_FOUND', `no environment "${name}"`);
    return env;
  }

  async create(actor: Actor, input: { name: string; color?: string; description?: string }): Promise<Environment> {
    const { deps } = this;
    if (!ENV_NAME.test(input.name) || input.name === CURRENT) {
      throw new AppError('VALIDATION_FAILED', `invalid environment name "${input.name}" (lower-case letters, digits, - and _; not "current")`);
    }
    return deps.db.transaction().execute(async (trx) => {
      if (await deps.environments.getByName(input.name, trx)) throw new AppError('ALREADY_EXISTS', `environment "${input.name}" already exists`);
      const env = await deps.environments.create(trx, { name: input.name, color: input.color ?? '', description: input.description ?? '', createdAt: deps.clock.now().toISOString() });
      await deps.audit.record(trx, { actor, action: 'ENVIRONMENT_CHANGE', result: 'SUCCESS', detail: { op: 'create', environment: env.name, color: env.color } });
      return env;
    });
  }

  async update(actor: Actor, name: string, input: { color?: string; description?: string }): Promise<Environment> {
    const { deps } = this;
    const env = await this.get(name);
    await deps.db.transaction().execute(async (trx) => {
      await deps.environments.update(trx, env.id, input);
      await deps.audit.record(trx, { actor, action: 'ENVIRONMENT_CHANGE', result: 'SUCCESS', detail: { op: 'update', environment: name, ...input } });
    });
    return this.get(name);
  }

  async delete(actor: Actor, name: string): Promise<void> {
    const { deps } = this;
    const env = await this.get(name);
    await deps.db.transaction().execute(async (trx) => {
      await deps.environments.delete(trx, env.id);
      await deps.audit.record(trx, { actor, action: 'ENVIRONMENT_CHANGE', result: 'SUCCESS', detail: { op: 'delete', environment: name } });
    });
  }

  async repository(name: string): Promise<Repository> {
    const repo = await this.deps.repositories.getByName(name);
    if (!repo) throw new AppError('NOT_FOUND', `no repository "${name}"`);
    return repo;
  }

  /** What each environment of the repository serves, `current` first. */
  async ofRepository(repo: Repository): Promise<RepositoryEnvironment[]> {
    const { deps } = this;
    if (await deps.publisher.settle(repo.id)) repo = (await deps.repositories.getById(repo.id)) ?? repo;
    const colors = new Map((await deps.environments.list()).map((e) => [e.name, e.color]));
    const out: RepositoryEnvironment[] = [];
    if (repo.currentPublicationId !== null) {
      const pub = await deps.publications.getPublication(repo.currentPublicationId);
      if (pub) {
        const snap = await deps.environments.snapshotByNumber(repo.id, pub.snapshotNumber);
        out.push({ environment: CURRENT, color: '', snapshot: pub.snapshotNumber, snapshotId: snap?.id ?? null, publicationId: pub.id, updatedAt: pub.createdAt, updatedBy: '' });
      }
    }
    for (const p of await deps.environments.pointers(repo.id)) {
      const snap = await deps.environments.snapshotByNumber(repo.id, p.snapshotNumber);
      out.push({ environment: p.environment, color: colors.get(p.environment) ?? '', snapshot: p.snapshotNumber, snapshotId: snap?.id ?? null, publicationId: p.publicationId, updatedAt: p.updatedAt, updatedBy: p.updatedBy });
    }
    return out;
  }

  /** Points environment `envName` of the snapshot's repository at the snapshot with this global id. */
  async pointBySnapshotId(actor: Actor, envName: string, snapshotId: number): Promise<RepositoryEnvironment> {
    const snap = await this.deps.environments.snapshotById(snapshotId);
    if (!snap) throw new AppError('NOT_FOUND', `no snapshot ${snapshotId}`);
    const repo = await this.deps.repositories.getById(snap.repositoryId);
    if (!repo) throw new AppError('NOT_FOUND', `no snapshot ${snapshotId}`);
    return this.point(actor, repo, envName, snap.number);
  }

  /**
   * Publishes the snapshot if it has no publication yet (outside any transaction: it may take a while),
   * then moves the pointer with one write in one transaction, audited in it.
   */
  async point(actor: Actor, repo: Repository, envName: string, number: number): Promise<RepositoryEnvironment> {
    const { deps } = this;
    if (envName === CURRENT) throw new AppError('VALIDATION_FAILED', '"current" follows the newest snapshot and cannot be pointed');
    const env = await this.get(envName);
    const snap = await this.snapshotOrThrow(repo, number);
    const publicationId = (await deps.environments.publicationOf(repo.id, number)) ?? (await deps.publisher.publishSnapshot(repo.id, number));
    const updatedAt = deps.clock.now().toISOString();
    const previous = await deps.environments.pointer(repo.id, env.name);
    await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      // Retention may have removed the snapshot while it was being published.
      await this.snapshotOrThrow(repo, number, trx);
      await deps.environments.setPointer(trx, { repositoryId: repo.id, environmentId: env.id, snapshotNumber: number, publicationId, updatedAt, updatedBy: actor.username });
      await deps.audit.record(trx, {
        actor,
        action: 'ENVIRONMENT_POINT',
        result: 'SUCCESS',
        distribution: repo.name,
        detail: { environment: env.name, snapshot: number, snapshot_id: snap.id, publication: publicationId, previous_snapshot: previous?.snapshotNumber ?? null },
      });
    });
    return { environment: env.name, color: env.color, snapshot: number, snapshotId: snap.id, publicationId, updatedAt, updatedBy: actor.username };
  }

  private async snapshotOrThrow(repo: Repository, number: number, db?: Kysely<Database>): Promise<SnapshotRow> {
    const snap = await this.deps.environments.snapshotByNumber(repo.id, number, db);
    if (!snap) throw new AppError('NOT_FOUND', `repository "${repo.name}" has no snapshot ${number}`);
    return snap;
  }
}
