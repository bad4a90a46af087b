import type { Clock } from '../core/clock.js';
import type { PackagesStore } from '../store/sql/packages.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import type { Signer } from './signer.js';

export interface Servable {
  sha256: string;
  size: number;
  parts: Array<{ sha256: string; size: number }>;
  lastModified: Date;
  contentType: string;
  /** Immutable content (by-hash, pool files, hashed repodata) may be cached forever. */
  immutable: boolean;
  /** Set for small in-memory answers (the public key). */
  body?: Buffer;
}

const SEGMENT = /^[A-Za-z0-9._+~-]+$/;
const BY_HASH = /^(.*)\/by-hash\/SHA256\/([0-9a-f]{64})$/;

export function contentTypeOf(path: string): string {
  if (path.endsWith('.gz')) return 'application/gzip';
  if (path.endsWith('.xz')) return 'application/x-xz';
  if (path.endsWith('.deb')) return 'application/vnd.debian.binary-package';
  if (path.endsWith('.rpm')) return 'application/x-rpm';
  if (path.endsWith('.xml')) return 'application/xml';
  if (path.endsWith('.asc') || path.endsWith('.gpg')) return 'application/pgp-signature';
  return 'text/plain; charset=utf-8';
}

/**
 * Resolves a path under /repos to bytes: (repository, current publication, path) → blob parts. Paths are
 * split into validated segments and looked up in the database; nothing is ever joined onto a filesystem path.
 */
export class ServeService {
  constructor(
    private readonly deps: {
      repositories: RepositoriesStore;
      publications: PublicationsStore;
      packages: PackagesStore;
      snapshots: SnapshotsStore;
      signer: Signer;
      clock: Clock;
      graceSeconds: number;
      /** Waits for a pending publication of the repository; true when it waited (read-your-writes). */
      settle?: (repositoryId: number) => Promise<boolean>;
    },
  ) {}

  async resolve(path: string): Promise<Servable | null> {
    const segments = path.split('/');
    if (segments.length === 0 || segments.some((s) => !SEGMENT.test(s) || s === '.' || s === '..')) return null;
    const [first, ...rest] = segments;
    if (segments.length === 1) return this.key(first);
    if (first === 'dists') return this.aptIndex(rest[0], rest.slice(1).join('/'));
    if (first === 'pool') return this.debPoolFile(path);
    return this.rpmTree(first, rest);
  }

  private key(name: string): Servable | null {
    const { signer } = this.deps;
    const epoch = new Date(0);
    const build = (body: Buffer, contentType: string): Servable => ({
      sha256: '',
      size: body.length,
      parts: [],
      lastModified: epoch,
      contentType,
      immutable: false,
      body,
    });
    if (name === 'key.asc') return build(Buffer.from(signer.publicKeyArmored()), 'application/pgp-keys');
    if (name === 'key.gpg') return build(Buffer.from(signer.publicKeyBinary()), 'application/pgp-keys');
    return null;
  }

  private async current(name: string, format: 'deb' | 'rpm') {
    let repo = await this.deps.repositories.getByName(name);
    // Uploads answer before their publication exists; a reader must still see what was answered.
    if (repo && (await this.deps.settle?.(repo.id))) repo = await this.deps.repositories.getByName(name);
    if (!repo || repo.format !== format || repo.currentPublicationId === null) return null;
    const pub = await this.deps.publications.getPublication(repo.currentPublicationId);
    return pub ? { repo, pub } : null;
  }

  private async publicationFile(name: string, format: 'deb' | 'rpm', path: string): Promise<Servable | null> {
    const cur = await this.current(name, format);
    if (!cur) return null;
    const { repo, pub } = cur;
    const file = await this.deps.publications.getFile(pub.id, path);
    if (file) {
      const hashed = /-(primary|filelists|other)\.xml\.gz$/.test(path);
      return { ...file, lastModified: new Date(pub.createdAt), contentType: contentTypeOf(path), immutable: hashed };
    }
    const byHash = BY_HASH.exec(path);
    if (!byHash) return null;
    const since = new Date(this.deps.clock.now().getTime() - this.deps.graceSeconds * 1000).toISOString();
    const old = await this.deps.publications.findByHash(repo.id, byHash[1], byHash[2], since);
    return old ? { ...old, lastModified: new Date(pub.createdAt), contentType: 'application/octet-stream', immutable: true } : null;
  }

  private aptIndex(codename: string | undefined, path: string): Promise<Servable | null> {
    if (!codename || !path) return Promise.resolve(null);
    return this.publicationFile(codename, 'deb', path);
  }

  private async debPoolFile(path: string): Promise<Servable | null> {
    const hits = await this.deps.packages.findByFilename('deb', path);
    for (const p of hits) {
      if (await this.deps.snapshots.isServed(p.id)) {
        return { sha256: p.sha256, size: p.size, parts: [{ sha256: p.sha256, size: p.size }], lastModified: new Date(p.created_at), contentType: contentTypeOf(path), immutable: true };
      }
    }
    return null;
  }

  private async rpmTree(codename: string, rest: string[]): Promise<Servable | null> {
    if (rest.length >= 3 && rest[1] === 'Packages') {
      const cur = await this.current(codename, 'rpm');
      if (!cur?.repo.architectures.includes(rest[0])) return null;
      const filename = rest.slice(1).join('/');
      const p = await this.deps.snapshots.liveByFilename(cur.repo.id, filename);
      return p ? { sha256: p.sha256, size: p.size, parts: [{ sha256: p.sha256, size: p.size }], lastModified: new Date(p.created_at), contentType: contentTypeOf(filename), immutable: true } : null;
    }
    return this.publicationFile(codename, 'rpm', rest.join('/'));
  }
}
