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
import type { PublishedMember } from './publication.types.js';
import { buildAptPublication } from './apt-publication.js';
import { ContentsPlanner } from './contents-index.js';
import type { MemoryTrimmer } from './memory-trim.js';
import type { IndexAssembler } from './index-assembler.js';
import type { FragmentSource, PublicationTools } from './publication.types.js';
import { buildRpmPublication, prewarmRpmPublication } from './rpm-publication.js';
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
  /** Told after each build (memory-trim.ts; it limits its own rate). */
  trimMemory?: MemoryTrimmer;
}

/**
 * What a publication needs of a member, kept for every member of a large repository between publications;
 * the few distinct component and arch strings are shared instead of copied per member.
 */
function leanMembers(rows: SnapshotMember[], names: Map<string, string>): PublishedMember[] {
  const intern = (s: string) => names.get(s) ?? (names.set(s, s), s);
  return rows.map((m) => ({ packageId: m.packageId, component: intern(m.component), arch: intern(m.arch), sha256: m.sha256 }));
}

interface Waiter {
  target: number;
  resolve: () => void;
  reject: (err: unknown) => void;
}

interface RepoState {
  /** Requests so far; a build started after request k covers it. */
  requested: number;
  completed: number;
  running: Promise<void> | null;
  timer: NodeJS.Timeout | null;
  waiters: Waiter[];
  lastEnd: number;
  lastMs: number;
  /** Background prewarming of the next publication's hash states (rpm), and how to stop it. */
  prewarmTimer: NodeJS.Timeout | null;
  prewarmAbort: AbortController | null;
}

/**
 * While requests keep coming, a repository spends at most about a fifth of its time publishing: the next
 * background build starts no sooner than this many build durations after the last one ended. Someone
 * waiting (a client reading metadata, an explicit publish) never waits for that pause.
 */
const PAUSE_FACTOR = 4;

/** Time after a build before its garbage is collected (see MemoryTrimmer). */
const TRIM_AFTER_MS = 100;

/** Quiet time after a build before the next one is prewarmed (see prewarmRpmPublication). */
const PREWARM_DELAY_MS = 250;

/**
 * Generates and switches publications. Requests for one repository coalesce: one build covers every
 * snapshot created before it started. `schedule` asks for a build in the background (uploads answer as
 * soon as their snapshot is committed); `settle` and `publish` wait until the publication covers every
 * request made so far, which is what a reader of the serving plane needs. A build never edits anything a
 * client can see; the switch is one UPDATE of the pointer.
 */
export class PublishService {
  private readonly states = new Map<number, RepoState>();
  /** The member list of the last snapshot published per repository, advanced by deltas. */
  private readonly memberCache = new Map<number, { number: number; members: PublishedMember[] }>();
  private readonly fragments: FragmentSource;
  private readonly contents = new ContentsPlanner();
  private readonly names = new Map<string, string>();
  /** Set by idle(): no more background prewarming, the database is about to close. */
  private shuttingDown = false;

  constructor(private readonly deps: PublishDeps) {
    const pick = (col: 'fragment_index' | 'fragment_files' | 'fragment_other') => (ids: number[]) => deps.packages.fragments(ids, col);
    this.fragments = { index: pick('fragment_index'), files: pick('fragment_files'), other: pick('fragment_other') };
  }

  /** Resolves once a publication of the head snapshot as of this call (or later) is current. */
  async publish(repositoryId: number): Promise<void> {
    this.request(repositoryId);
    await this.settle(repositoryId);
  }

  /** Asks for a publication of the head snapshot without waiting for it. */
  schedule(repositoryId: number): void {
    this.request(repositoryId);
  }

  /**
   * Resolves once every publication requested so far is current: at once with false when none is pending,
   * with true after waiting for one.
   */
  settle(repositoryId: number): Promise<boolean> {
    const s = this.states.get(repositoryId);
    if (!s || s.completed >= s.requested) return Promise.resolve(false);
    const target = s.requested;
    return new Promise<boolean>((resolve, reject) => {
      s.waiters.push({ target, resolve: () => resolve(true), reject });
      this.kick(repositoryId, s);
    });
  }

  /** Builds a new publication of the head even when the current one covers it (re-publish, re-sign). */
  async rebuild(repositoryId: number): Promise<void> {
    await this.settle(repositoryId);
    await this.publishHead(repositoryId, { force: true, urgent: true });
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
    const members = leanMembers(await deps.snapshots.members(repo.id, snapshotNumber), this.names);
    // Someone waits for it (a promotion or an environment's publish).
    const common = { repo, members, assembler: deps.assembler, fragments: this.fragments, date, tools: this.tools(), urgent: true };
    const files =
      repo.format === 'deb'
        ? // a planner of its own: the shared one follows the head snapshot of each repository
          await buildAptPublication({ ...common, contents: new ContentsPlanner(), validUntil: deps.releaseValidDays > 0 ? new Date(date.getTime() + deps.releaseValidDays * 86_400_000) : undefined })
        : await buildRpmPublication(common);
    return deps.db.transaction().execute((trx) => deps.publications.create(trx, { repositoryId: repo.id, snapshotNumber, createdAt: date.toISOString(), files }));
  }

  /**
   * Checks, at start, that every blob of each repository's current publication exists, and republishes a
   * repository whose publication lost some (after a restore, a disk fault or an overeager cleanup), so
   * clients never get a 404 for a file its Release lists. Returns the names of the repaired repositories.
   */
  async repairMissingBlobs(): Promise<string[]> {
    const { deps } = this;
    const repaired: string[] = [];
    for (const repo of await deps.repositories.list()) {
      if (repo.currentPublicationId === null) continue;
      const files = await deps.publications.files(repo.currentPublicationId);
      const shas = [...new Set(files.flatMap((f) => f.parts.map((p) => p.sha256)))];
      const missing: string[] = [];
      for (let i = 0; i < shas.length; i += 64) {
        const some = shas.slice(i, i + 64);
        const present = await Promise.all(some.map((sha) => deps.blobs.has(sha)));
        some.forEach((sha, j) => present[j] || missing.push(sha));
      }
      if (missing.length === 0) continue;
      deps.logger.error(
        { repository: repo.name, publication: repo.currentPublicationId, missing: missing.length, examples: missing.slice(0, 5) },
        'blobs of the current publication are missing; republishing the repository',
      );
      // Cached chunks living in a missing blob would be reused as they are: forget them so they are rebuilt.
      await deps.publications.forgetChunksWith(missing);
      await this.rebuild(repo.id);
      repaired.push(repo.name);
    }
    return repaired;
  }

  /** Starts every pending build and waits for all of them (graceful shutdown); background prewarming stops. */
  async idle(): Promise<void> {
    this.shuttingDown = true;
    for (const s of this.states.values()) this.stopPrewarm(s);
    await Promise.all([...this.states.values()].map((s) => s.running?.catch(() => undefined)));
    await Promise.all([...this.states.keys()].map((id) => this.settle(id).catch(() => undefined)));
  }

  private stopPrewarm(s: RepoState): void {
    if (s.prewarmTimer) clearTimeout(s.prewarmTimer);
    s.prewarmTimer = null;
    s.prewarmAbort?.abort();
  }

  /** Once a build is done and nothing else is asked for a moment, prepares the next one (rpm only). */
  private schedulePrewarm(repositoryId: number, s: RepoState): void {
    if (this.shuttingDown || s.prewarmTimer || s.running || s.completed < s.requested) return;
    s.prewarmTimer = setTimeout(() => {
      s.prewarmTimer = null;
      if (s.running || s.completed < s.requested) return;
      const abort = new AbortController();
      s.prewarmAbort = abort;
      s.running = this.prewarm(repositoryId, abort.signal).catch((err: unknown) => {
        if (!abort.signal.aborted) this.deps.logger.warn({ err, repositoryId }, 'prewarming the next publication failed');
      });
      void s.running.finally(() => {
        s.running = null;
        s.prewarmAbort = null;
        this.kick(repositoryId, s);
      });
    }, PREWARM_DELAY_MS);
    s.prewarmTimer.unref();
  }

  private async prewarm(repositoryId: number, signal: AbortSignal): Promise<void> {
    const repo = await this.deps.repositories.getById(repositoryId);
    const cached = this.memberCache.get(repositoryId);
    if (!repo || repo.format !== 'rpm' || !cached || cached.number !== repo.headSnapshot) return;
    await prewarmRpmPublication({ repo, members: cached.members, assembler: this.deps.assembler, fragments: this.fragments, signal });
  }

  private state(repositoryId: number): RepoState {
    let s = this.states.get(repositoryId);
    if (!s) {
      s = { requested: 0, completed: 0, running: null, timer: null, waiters: [], lastEnd: 0, lastMs: 0, prewarmTimer: null, prewarmAbort: null };
      this.states.set(repositoryId, s);
    }
    return s;
  }

  private request(repositoryId: number): void {
    const s = this.state(repositoryId);
    s.requested++;
    // A real build goes first: prewarming stops at its next chunk (or never starts).
    this.stopPrewarm(s);
    this.kick(repositoryId, s);
  }

  /** Starts a build now, or after the pause when nobody waits; a running build re-kicks when it ends. */
  private kick(repositoryId: number, s: RepoState): void {
    if (s.running || s.completed >= s.requested) return;
    const delay = s.waiters.length > 0 ? 0 : Math.max(0, s.lastEnd + PAUSE_FACTOR * s.lastMs - performance.now());
    if (delay > 0) {
      s.timer ??= setTimeout(() => {
        s.timer = null;
        this.kick(repositoryId, s);
      }, delay);
      return;
    }
    if (s.timer) {
      clearTimeout(s.timer);
      s.timer = null;
    }
    const covers = s.requested;
    const started = performance.now();
    s.running = this.publishHead(repositoryId, { urgent: s.waiters.length > 0 }).then(
      () => {
        s.completed = Math.max(s.completed, covers);
        this.finish(s, (w) => w.target <= covers, (w) => w.resolve());
      },
      (err: unknown) => {
        this.deps.logger.error({ err, repositoryId }, 'publication failed');
        // Whoever waits for this build hears why; later requests try again.
        s.completed = Math.max(s.completed, covers);
        this.finish(s, (w) => w.target <= covers, (w) => w.reject(err));
      },
    );
    void s.running.finally(() => {
      s.running = null;
      // Once the answers that waited for this build are out (a reader's file is served from blobs, which takes
      // a few turns of the event loop): a collection takes 50-100 ms at 50k, and run at once it held them up.
      // Not while the next build runs or is due (an upload right after): that build's end asks again.
      setTimeout(() => {
        if (!s.running && s.completed >= s.requested) this.deps.trimMemory?.afterWork();
      }, TRIM_AFTER_MS).unref();
      s.lastEnd = performance.now();
      s.lastMs = s.lastEnd - started;
      this.kick(repositoryId, s);
      this.schedulePrewarm(repositoryId, s);
    });
  }

  private finish(s: RepoState, match: (w: Waiter) => boolean, act: (w: Waiter) => void): void {
    const done = s.waiters.filter(match);
    s.waiters = s.waiters.filter((w) => !match(w));
    for (const w of done) act(w);
  }

  /** `force`: even when the current publication covers the head; `urgent`: someone waits (see buildAptPublication). */
  private async publishHead(repositoryId: number, { force = false, urgent = false } = {}): Promise<void> {
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
    const common = { repo, members, assembler: deps.assembler, fragments: this.fragments, date, tools, urgent };
    const files =
      repo.format === 'deb'
        ? await buildAptPublication({
            ...common,
            contents: this.contents,
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
  private async membersAt(repositoryId: number, number: number): Promise<PublishedMember[]> {
    const { snapshots } = this.deps;
    const cached = this.memberCache.get(repositoryId);
    let members: PublishedMember[];
    if (cached && cached.number <= number) {
      const { added, removedIds } = await snapshots.changes(repositoryId, cached.number, number);
      const removed = new Set(removedIds);
      members = removed.size ? cached.members.filter((m) => !removed.has(m.packageId)) : cached.members.slice();
      for (const m of leanMembers(added, this.names)) {
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
      members = leanMembers(await snapshots.members(repositoryId, number), this.names);
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
