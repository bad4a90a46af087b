import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { CatalogStore } from '../store/sql/catalog.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { PublishService } from './publish.service.js';

export interface Distribution {
  codename: string;
  name: string;
  full_name: string;
  format: 'deb' | 'rpm';
  kind: 'local' | 'mirror';
  components: string[];
  architectures: string[];
  origin: string;
  label: string;
  description: string;
  package_count: number;
  snapshot: number;
  created_at: string;
}

export interface DistributionInput {
  codename: string;
  format: 'deb' | 'rpm';
  components?: string[];
  architectures: string[];
  origin?: string;
  label?: string;
  description?: string;
}

export type DistributionPatch = Partial<Pick<DistributionInput, 'components' | 'architectures' | 'origin' | 'label' | 'description'>>;

const CODENAME = /^[a-z0-9][a-z0-9._-]{0,62}$/;
const DEB_ARCH = /^[a-z0-9][a-z0-9-]{0,31}$/;
const RPM_ARCH = /^[a-z0-9_]{1,32}$/;
const COMPONENT = /^[a-z0-9][a-z0-9._-]{0,31}$/;
/** Release/repomd fields are single lines of printable text. */
const FIELD = /^[^\x00-\x1f\x7f]*$/;
/** First path segments the serving plane uses for itself (see ServeService.resolve). */
const RESERVED = new Set(['dists', 'pool', 'key.asc', 'key.gpg', 'repodata']);

function invalid(message: string): never {
  throw new AppError('VALIDATION_FAILED', message);
}

function checkList(what: string, values: string[], pattern: RegExp): string[] {
  for (const v of values) if (!pattern.test(v)) invalid(`invalid ${what} "${v}"`);
  if (new Set(values).size !== values.length) invalid(`duplicate ${what}`);
  return values;
}

function checkField(what: string, value: string | undefined, max: number): void {
  if (value !== undefined && (value.length > max || !FIELD.test(value))) invalid(`${what} must be one line of at most ${max} characters`);
}

function checkLayout(format: 'deb' | 'rpm', components: string[], architectures: string[]): void {
  if (format === 'deb') {
    if (components.length === 0) invalid('a deb distribution needs at least one component');
    checkList('component', components, COMPONENT);
    checkList('architecture', architectures, DEB_ARCH);
    if (!architectures.some((a) => a !== 'all')) invalid('a deb distribution needs at least one architecture besides "all"');
  } else {
    if (components.length > 0) invalid('rpm distributions have no components');
    checkList('architecture', architectures, RPM_ARCH);
    if (architectures.length === 0) invalid('an rpm distribution needs at least one architecture');
  }
}

/**
 * Distributions are data, not code: admins create, change and delete them. A new distribution is published
 * at once (signed, empty) so apt and dnf can be pointed at it before the first upload.
 */
export class DistributionService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      repositories: RepositoriesStore;
      catalog: CatalogStore;
      audit: AuditService;
      publisher: PublishService;
      clock: Clock;
    },
  ) {}

  async list(): Promise<Distribution[]> {
    const [repos, counts] = await Promise.all([this.deps.repositories.list(), this.deps.catalog.countsByRepository()]);
    return repos.map((r) => toDistribution(r, counts.get(r.id) ?? 0));
  }

  async get(codename: string): Promise<Distribution> {
    const repo = await this.require(codename);
    const counts = await this.deps.catalog.countsByRepository();
    return toDistribution(repo, counts.get(repo.id) ?? 0);
  }

  async packages(codename: string): Promise<{ codename: string; format: 'deb' | 'rpm'; total: number; packages: Array<{ name: string; version: string; arch: string; component: string; sha256: string }> }> {
    const repo = await this.require(codename);
    const rows = await this.deps.catalog.liveRows({ repositoryId: repo.id });
    const packages = rows
      .map((r) => ({ name: r.name, version: r.version, arch: r.arch, component: r.component, sha256: r.sha256 }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return { codename: repo.name, format: repo.format, total: packages.length, packages };
  }

  async create(actor: Actor, input: DistributionInput): Promise<Distribution> {
    const { deps } = this;
    if (!CODENAME.test(input.codename) || RESERVED.has(input.codename)) invalid(`invalid codename "${input.codename}"`);
    const components = input.components ?? (input.format === 'deb' ? ['main'] : []);
    checkLayout(input.format, components, input.architectures);
    checkField('origin', input.origin, 128);
    checkField('label', input.label, 128);
    checkField('description', input.description, 256);
    const repo = await deps.db.transaction().execute(async (trx) => {
      if (await deps.repositories.getByName(input.codename, trx)) {
        throw new AppError('DISTRIBUTION_EXISTS', `distribution "${input.codename}" already exists`);
      }
      const created = await deps.repositories.create(
        {
          name: input.codename,
          format: input.format,
          components,
          architectures: input.architectures,
          origin: input.origin ?? 'Packyard',
          label: input.label ?? input.codename,
          description: input.description ?? `Packyard ${input.codename}`,
          createdAt: deps.clock.now().toISOString(),
        },
        trx,
      );
      await deps.audit.record(trx, { actor, action: 'DISTRIBUTION_CREATE', result: 'SUCCESS', distribution: created.name, detail: { format: created.format, components, architectures: created.architectures } });
      return created;
    }).catch((err: unknown) => {
      // Two concurrent creations of one codename: the unique index decides, the loser gets the same 409.
      if (!(err instanceof AppError) && /unique|duplicate/i.test(String((err as Error).message))) {
        throw new AppError('DISTRIBUTION_EXISTS', `distribution "${input.codename}" already exists`);
      }
      throw err;
    });
    await deps.publisher.publish(repo.id);
    return toDistribution((await deps.repositories.getById(repo.id))!, 0);
  }

  async update(actor: Actor, codename: string, patch: DistributionPatch): Promise<Distribution> {
    const { deps } = this;
    const repo = await this.require(codename);
    const components = patch.components ?? repo.components;
    const architectures = patch.architectures ?? repo.architectures;
    checkLayout(repo.format, components, architectures);
    checkField('origin', patch.origin, 128);
    checkField('label', patch.label, 128);
    checkField('description', patch.description, 256);
    await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      await this.refuseOrphans(trx, repo, components, architectures);
      await deps.repositories.update(trx, repo.id, { ...patch, components, architectures });
      await deps.audit.record(trx, { actor, action: 'DISTRIBUTION_UPDATE', result: 'SUCCESS', distribution: repo.name, detail: { ...patch } });
    });
    // Same content, new Release/repomd: rebuild rather than publish, which skips an unchanged snapshot.
    await deps.publisher.rebuild(repo.id);
    return this.get(codename);
  }

  async remove(actor: Actor, codename: string, opts: { force?: boolean } = {}): Promise<{ status: 'deleted'; codename: string; packages_removed: number }> {
    const { deps } = this;
    const repo = await this.require(codename);
    const deleted = deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      const live = (await deps.catalog.layoutOf(repo.id, trx)).reduce((n, l) => n + l.n, 0);
      if (live > 0 && !opts.force) {
        throw new AppError('DISTRIBUTION_IN_USE', `distribution "${codename}" holds ${live} package(s); pass force=true to delete it anyway`, { package_count: live });
      }
      await deps.repositories.delete(trx, repo.id);
      await deps.audit.record(trx, { actor, action: 'DISTRIBUTION_DELETE', result: 'SUCCESS', distribution: repo.name, detail: { format: repo.format, packages_removed: live, snapshot: repo.headSnapshot } });
      return { status: 'deleted' as const, codename: repo.name, packages_removed: live };
    });
    return deleted.catch((err: unknown) => {
      // Rows of other areas (environments, profiles) that point at the repository without cascading.
      if (!(err instanceof AppError) && /foreign key/i.test(String((err as Error).message))) {
        throw new AppError('DISTRIBUTION_IN_USE', `distribution "${codename}" is still referenced (environments, profiles); remove those first`);
      }
      throw err;
    });
  }

  private async refuseOrphans(trx: Kysely<Database>, repo: Repository, components: string[], architectures: string[]): Promise<void> {
    const neutral = repo.format === 'deb' ? 'all' : 'noarch';
    for (const l of await this.deps.catalog.layoutOf(repo.id, trx)) {
      if (repo.format === 'deb' && !components.includes(l.component)) {
        throw new AppError('DISTRIBUTION_IN_USE', `component ${l.component} still holds ${l.n} package(s)`);
      }
      if (l.arch !== neutral && !architectures.includes(l.arch)) {
        throw new AppError('DISTRIBUTION_IN_USE', `architecture ${l.arch} still holds ${l.n} package(s)`);
      }
    }
  }

  private async require(codename: string): Promise<Repository> {
    const repo = await this.deps.repositories.getByName(codename);
    if (!repo) throw new AppError('NOT_FOUND', `no distribution named "${codename}"`);
    return repo;
  }
}

function toDistribution(r: Repository, packageCount: number): Distribution {
  return {
    codename: r.name,
    name: r.name,
    full_name: r.description || r.name,
    format: r.format,
    kind: r.kind,
    components: r.components,
    architectures: r.architectures,
    origin: r.origin,
    label: r.label,
    description: r.description,
    package_count: packageCount,
    snapshot: r.headSnapshot,
    created_at: r.createdAt,
  };
}
