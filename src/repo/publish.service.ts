import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { PackagesStore } from '../store/sql/packages.store.js';
import type { PublicationFile, PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotMember, SnapshotsStore } from '../store/sql/snapshots.store.js';
import { buildAptPublication } from './apt-publication.js';
import type { IndexAssembler } from './index-assembler.js';
import type { FragmentSource, PublicationTools } from './publication.types.js';
import { buildRpmPublication } from './rpm-publication.js';
import type { Signer } from './signer.js';

export interface PublishDeps {
  db: Kysely<Database>;
  repositories: RepositoriesStore;
  snapshots: SnapshotsStore;
  packages: PackagesStore;
  publications: PublicationsStore;
  blobs: BlobStore;
  assembler: IndexAssembler;
  signer: Signer;
  clock: Clock;
  logger: Logger;
  releaseValidDays: number;
  onPublished?: (repo: Repository, ms: number) => void;
}

interface RepoState {
  requested: number;
  completed: number;
  running: Promise<void> | null;
}

/**
 * Generates and switches publications. Calls for one repository coalesce: while a publication is being
 * built, further requests wait and are all served by the next build, which covers every snapshot created
 * meanwhile. A build never edits anything a client can see; the switch is one UPDATE of the pointer.
 */
export class PublishService {
  private readonly states = new Map<number, RepoState>();
  /** The member list of the last snapshot published per repository, advanced by deltas. */
  private readonly memberCache = new Map<number, { number: number; members: SnapshotMember[] }>();
  private readonly fragments: FragmentSource;

  constructor(private readonly deps: PublishDeps) {
    const pick = (col: 'fragment_index' | 'fragment_files' | 'fragment_other') => async (ids: number[]) => {
      const rows = await deps.packages.fragments(ids);
      return new Map([...rows].map(([id, r]) => [id, r[col]]));
    };
    this.fragments = { index: pick('fragment_index'), files: pick('fragment_files'), other: pick('fragment_other') };
  }

  /** Resolves once a publication of the head snapshot as of this call (or later) is current. */
  async publish(repositoryId: number): Promise<void> {
    const s = this.states.get(repositoryId) ?? { requested: 0, completed: 0, running: null };
    this.states.set(repositoryId, s);
    const target = ++s.requested;
    while (s.completed < target) {
      if (s.running) {
        await s.running.catch(() => undefined);
        continue;
      }
      const covers = s.requested;
      s.running = this.publishHead(repositoryId).finally(() => {
        s.running = null;
      });
      await s.running;
      s.completed = Math.max(s.completed, covers);
    }
  }

  /** Builds a new publication of the head even when the current one covers it (re-publish, re-sign). */
  async rebuild(repositoryId: number): Promise<void> {
    const s = this.states.get(repositoryId);
    await s?.running?.catch(() => undefined);
    await this.publishHead(repositoryId, true);
  }

  /**
   * Builds a publication of snapshot `snapshotNumber` without switching `current` (environments point at
   * it). Returns the new publication's id.
   */
  async publishSnapshot(repositoryId: number, snapshotNumber: number): Promise<number> {
    const { deps } = this;
    const repo = await deps.repositories.getById(repositoryId);
    if (!repo) throw new AppError('NOT_FOUND', `no repository ${repositoryId}`);
    const date = deps.clock.now();
    const members = await deps.snapshots.members(repo.id, snapshotNumber);
    const common = { repo, members, assembler: deps.assembler, fragments: this.fragments, date, tools: this.tools() };
    const files =
      repo.format === 'deb'
        ? await buildAptPublication({ ...common, validUntil: deps.releaseValidDays > 0 ? new Date(date.getTime() + deps.releaseValidDays * 86_400_000) : undefined })
        : await buildRpmPublication(common);
    return deps.db.transaction().execute((trx) => deps.publications.create(trx, { repositoryId: repo.id, snapshotNumber, createdAt: date.toISOString(), files }));
  }

  /** Waits for in-flight builds (graceful shutdown). */
  async idle(): Promise<void> {
    await Promise.all([...this.states.values()].map((s) => s.running?.catch(() => undefined)));
  }

  private async publishHead(repositoryId: number, force = false): Promise<void> {
    const { deps } = this;
    const started = performance.now();
    const repo = await deps.repositories.getById(repositoryId);
    if (!repo) return;
    const head = repo.headSnapshot;
    if (repo.currentPublicationId !== null && !force) {
      const current = await deps.publications.getPublication(repo.currentPublicationId);
      if (current && current.snapshotNumber >= head) return;
    }
    const date = deps.clock.now();
    const members = await this.membersAt(repo.id, head);
    const tools = this.tools();
    const common = { repo, members, assembler: deps.assembler, fragments: this.fragments, date, tools };
    const files =
      repo.format === 'deb'
        ? await buildAptPublication({
            ...common,
            validUntil: deps.releaseValidDays > 0 ? new Date(date.getTime() + deps.releaseValidDays * 86_400_000) : undefined,
          })
        : await buildRpmPublication(common);

    await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repo.id);
      const pubId = await deps.publications.create(trx, {
        repositoryId: repo.id,
        snapshotNumber: head,
        createdAt: date.toISOString(),
        files,
      });
      // Another process may have published a newer snapshot meanwhile: never move the pointer backwards.
      const fresh = await deps.repositories.getById(repo.id, trx);
      const live = fresh?.currentPublicationId ? await deps.publications.getPublication(fresh.currentPublicationId, trx) : undefined;
      if (!live || live.snapshotNumber <= head) {
        await deps.repositories.setCurrentPublication(trx, repo.id, pubId);
      }
    });
    const ms = performance.now() - started;
    deps.onPublished?.(repo, ms);
    deps.logger.info({ repository: repo.name, snapshot: head, packages: members.length, ms: Math.round(ms) }, 'published');
  }

  /**
   * Members of snapshot `number`, from the previous publication's list plus the rows that changed since,
   * so a one-package change does not re-read a 50k-package repository.
   */
  private async membersAt(repositoryId: number, number: number): Promise<SnapshotMember[]> {
    const { snapshots } = this.deps;
    const cached = this.memberCache.get(repositoryId);
    let members: SnapshotMember[];
    if (cached && cached.number <= number) {
      const { added, removedIds } = await snapshots.changes(repositoryId, cached.number, number);
      const removed = new Set(removedIds);
      members = removed.size ? cached.members.filter((m) => !removed.has(m.packageId)) : cached.members.slice();
      for (const m of added) {
        let lo = 0;
        let hi = members.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (members[mid].packageId < m.packageId) lo = mid + 1;
          else hi = mid;
        }
        members.splice(lo, 0, m);
      }
    } else {
      members = await snapshots.members(repositoryId, number);
    }
    this.memberCache.set(repositoryId, { number, members });
    return members;
  }

  private tools(): PublicationTools {
    const { blobs, signer } = this.deps;
    return {
      clearsign: (text) => signer.clearsign(text),
      detachSign: (text) => signer.detachSign(Buffer.from(text, 'utf8')),
      put: async (path, content): Promise<PublicationFile> => {
        const { sha256, size } = await blobs.putBuffer(Buffer.from(content, 'utf8'));
        return { path, sha256, size, parts: [{ sha256, size }] };
      },
    };
  }
}
