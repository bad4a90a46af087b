import type { Clock } from '../core/clock.js';
import type { EnvironmentsStore } from '../store/sql/environments.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import { CURRENT } from './environment.service.js';
import { contentTypeOf, type Servable } from './serve.service.js';

const SEGMENT = /^[A-Za-z0-9._+~-]+$/;
const BY_HASH = /^(.*)\/by-hash\/SHA256\/([0-9a-f]{64})$/;

interface Target {
  repo: Repository;
  snapshot: number;
  publicationId: number;
  publishedAt: Date;
}

/**
 * The Repomanager-style serving paths, resolved through the environment pointer:
 * /repo/deb/<name>/<dist>/<component>/<env>/{dists/<dist>/..., pool/...} (an APT archive root) and
 * /repo/rpm/<name>/<releasever>/<env>/<arch>/{repodata/..., Packages/...} (a dnf baseurl ending in $basearch).
 * Package files are served only when they belong to the environment's snapshot.
 */
export class EnvironmentServeService {
  constructor(
    private readonly deps: {
      repositories: RepositoriesStore;
      publications: PublicationsStore;
      environments: EnvironmentsStore;
      clock: Clock;
      graceSeconds: number;
      /** Waits for a pending publication of the repository (uploads answer before it is built). */
      settle?: (repositoryId: number) => Promise<boolean>;
    },
  ) {}

  async deb(name: string, dist: string, component: string, env: string, path: string): Promise<Servable | null> {
    const segments = path.split('/');
    if (!this.valid([name, dist, component, env, ...segments])) return null;
    const t = await this.target(name, 'deb', env);
    if (!t || dist !== t.repo.name || !t.repo.components.includes(component)) return null;
    if (segments[0] === 'dists' && segments[1] === dist && segments.length > 2) return this.publicationFile(t, segments.slice(2).join('/'));
    if (segments[0] === 'pool') return this.packageFile(t, path);
    return null;
  }

  async rpm(name: string, releasever: string, env: string, path: string): Promise<Servable | null> {
    const segments = path.split('/');
    if (!this.valid([name, releasever, env, ...segments])) return null;
    const t = await this.target(name, 'rpm', env);
    if (!t || !releaseverMatches(t.repo.name, releasever) || !t.repo.architectures.includes(segments[0])) return null;
    if (segments[1] === 'Packages' && segments.length >= 3) return this.packageFile(t, segments.slice(1).join('/'));
    return this.publicationFile(t, path);
  }

  private valid(segments: string[]): boolean {
    return segments.every((s) => SEGMENT.test(s) && s !== '.' && s !== '..');
  }

  private async target(name: string, format: 'deb' | 'rpm', env: string): Promise<Target | null> {
    const { deps } = this;
    let repo = await deps.repositories.getByName(name);
    if (!repo || repo.format !== format) return null;
    if (await deps.settle?.(repo.id)) repo = (await deps.repositories.getByName(name)) ?? repo;
    let publicationId: number | null;
    if (env === CURRENT) publicationId = repo.currentPublicationId;
    else publicationId = (await deps.environments.pointer(repo.id, env))?.publicationId ?? null;
    if (publicationId === null) return null;
    const pub = await deps.publications.getPublication(publicationId);
    return pub ? { repo, snapshot: pub.snapshotNumber, publicationId: pub.id, publishedAt: new Date(pub.createdAt) } : null;
  }

  private async publicationFile(t: Target, path: string): Promise<Servable | null> {
    const { deps } = this;
    const file = await deps.publications.getFile(t.publicationId, path);
    if (file) {
      const hashed = /-(primary|filelists|other)\.xml\.gz$/.test(path);
      return { ...file, lastModified: t.publishedAt, contentType: contentTypeOf(path), immutable: hashed };
    }
    const byHash = BY_HASH.exec(path);
    if (!byHash) return null;
    const own = await this.ownByHash(t, byHash[1], byHash[2]);
    if (own) return own;
    const since = new Date(deps.clock.now().getTime() - deps.graceSeconds * 1000).toISOString();
    const old = await deps.publications.findByHash(t.repo.id, byHash[1], byHash[2], since);
    return old ? { ...old, lastModified: t.publishedAt, contentType: 'application/octet-stream', immutable: true } : null;
  }

  /** by-hash names the index files of the environment's own publication, whatever its age. */
  private async ownByHash(t: Target, dir: string, sha256: string): Promise<Servable | null> {
    const f = await this.deps.environments.publicationFileByHash(t.publicationId, dir, sha256);
    return f ? { ...f, lastModified: t.publishedAt, contentType: 'application/octet-stream', immutable: true } : null;
  }

  private async packageFile(t: Target, filename: string): Promise<Servable | null> {
    const p = await this.deps.environments.memberByFilename(t.repo.id, t.snapshot, filename);
    if (!p) return null;
    return { sha256: p.sha256, size: p.size, parts: [{ sha256: p.sha256, size: p.size }], lastModified: new Date(p.created_at), contentType: contentTypeOf(filename), immutable: true };
  }
}

/** A repository's releasever in the URL: its name (`almalinux9`) or the trailing version number (`9`). */
export function releaseverMatches(name: string, releasever: string): boolean {
  if (releasever === name) return true;
  const m = /(\d+)$/.exec(name);
  return m !== null && m[1] === releasever;
}
