import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { AuditEventInput } from '../audit/audit.types.js';
import { AppError } from '../core/errors.js';
import type { BlobFacts, ParsedPackage } from '../formats/types.js';
import type { PublishService } from '../repo/publish.service.js';
import { evaluateAll, type GateVerdict, type PackageGate, openGate } from '../security/gate.js';
import type { BlobStore, StagedBlob } from '../store/blobs/blob-store.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { PackagesStore } from '../store/sql/packages.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import type { RenderedPackage } from './render-fragments.js';

/** One parsed, checked upload waiting for its repository's next commit. */
export interface PendingUpload {
  actor: Actor;
  repo: Repository;
  pkg: ParsedPackage;
  rendered: RenderedPackage;
  facts: BlobFacts;
  staged: StagedBlob;
  component: string;
  uploadedAt: Date;
}

export type CommitOutcome = { status: 'accepted' | 'already_imported' | 'pending_review' | 'rejected'; snapshot: number; gate?: GateVerdict };

export interface UploadCommitDeps {
  db: Kysely<Database>;
  audit: AuditService;
  blobs: BlobStore;
  repositories: RepositoriesStore;
  packages: PackagesStore;
  snapshots: SnapshotsStore;
  publisher: PublishService;
  gate?: PackageGate;
}

type Waiting = { upload: PendingUpload; resolve: (o: CommitOutcome) => void; reject: (err: unknown) => void };

/** Most uploads one transaction takes; more wait for the next one. */
const MAX_BATCH = 500;

/**
 * Group commit of uploads, per repository. Uploads that arrive while a commit runs are committed together
 * by the next one: their blobs are synced in one round, then one transaction inserts the packages, ONE
 * snapshot holding all of them and one audit event per upload. Every caller is answered only after that
 * transaction committed; the publication follows in the background (PublishService coalesces it).
 * A batch that fails for a reason other than one upload's own verdict is retried upload by upload, so one
 * bad upload never fails its neighbours.
 */
export class UploadCommitter {
  private readonly queues = new Map<number, { waiting: Waiting[]; running: boolean }>();

  constructor(
    private readonly deps: UploadCommitDeps,
    /** Identities (identityKey) among the given ones already taken by stored packages, with the taker's SHA-256. */
    private readonly takenIdentities: (trx: Kysely<Database>, repo: Repository, ids: Identity[]) => Promise<Map<string, string>>,
  ) {}

  submit(upload: PendingUpload): Promise<CommitOutcome> {
    let q = this.queues.get(upload.repo.id);
    if (!q) {
      q = { waiting: [], running: false };
      this.queues.set(upload.repo.id, q);
    }
    const queue = q;
    return new Promise<CommitOutcome>((resolve, reject) => {
      queue.waiting.push({ upload, resolve, reject });
      if (!queue.running) {
        queue.running = true;
        void this.drain(upload.repo.id, queue);
      }
    });
  }

  /**
   * Two stages in a pipeline: while one batch's rows are written (and their commit synced), the next
   * batch's blobs are synced. A batch's rows are written only after its own blobs are durable.
   */
  private async drain(repositoryId: number, q: { waiting: Waiting[]; running: boolean }): Promise<void> {
    let rows: Promise<void> = Promise.resolve();
    try {
      // Uploads submitted while the last batch's rows are written see `running` and only queue: look again
      // after that wait, and stop only when nothing is waiting (no await between that check and the reset).
      do {
        while (q.waiting.length > 0) {
          const batch = q.waiting.splice(0, MAX_BATCH);
          // Blobs first: a crash after this leaves orphan blobs, never a row without bytes.
          const blobs = this.deps.blobs.commitAll(batch.map((w) => w.upload.staged)).then(
            () => null,
            (err: unknown) => err ?? new Error('blob commit failed'),
          );
          const [blobError] = await Promise.all([blobs, rows]);
          rows = this.finish(repositoryId, batch, blobError);
        }
        await rows;
      } while (q.waiting.length > 0);
    } finally {
      q.running = false;
    }
  }

  /** Writes a batch's rows; never throws: every waiting upload is answered. */
  private async finish(repositoryId: number, batch: Waiting[], blobError: unknown): Promise<void> {
    if (blobError) {
      for (const w of batch) w.reject(blobError);
      return;
    }
    try {
      await this.writeRows(repositoryId, batch);
    } catch (err) {
      if (batch.length === 1) batch[0].reject(err);
      else for (const w of batch) await this.writeRows(repositoryId, [w]).catch((e: unknown) => w.reject(e));
    }
  }

  private async writeRows(repositoryId: number, batch: Waiting[]): Promise<void> {
    const { deps } = this;
    const results = new Map<Waiting, CommitOutcome | AppError>();
    const accepted = await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, repositoryId);
      const fresh = await deps.repositories.getById(repositoryId, trx);
      if (!fresh) throw new AppError('UNKNOWN_DISTRIBUTION', 'the distribution was removed');
      const number = fresh.headSnapshot + 1;
      const plans = await this.plan(trx, fresh, batch, results);
      const ids = await deps.packages.insertMany(trx, plans.filter((p) => p.insert).map((p) => packageRow(p.w.upload)));
      const events: AuditEventInput[] = [];
      const members: Array<{ repositoryId: number; packageId: number; component: string; number: number }> = [];
      const added: PendingUpload[] = [];
      // The security gate: the rows exist, they are not members yet; review and block keep them out. A second
      // upload of the same bytes in the batch takes the first one's verdict.
      const idOf = (p: Plan) => p.packageId ?? ids.get(p.w.upload.facts.sha256)!;
      const asked = new Set<string>();
      const firsts = plans.filter((p) => !asked.has(p.w.upload.facts.sha256) && asked.add(p.w.upload.facts.sha256));
      const verdicts = await evaluateAll(deps.gate ?? openGate, trx, firsts.map((p) => ({ packageId: idOf(p), repositoryId, fresh: p.insert })));
      const gates = new Map(firsts.map((p, i) => [p.w.upload.facts.sha256, verdicts[i]]));
      const bySha = new Map<string, CommitOutcome>();
      for (const plan of plans) {
        const u = plan.w.upload;
        const w = plan.w;
        if (bySha.get(u.facts.sha256)?.status === 'accepted') {
          results.set(w, { status: 'already_imported', snapshot: number });
          continue;
        }
        const gate = gates.get(u.facts.sha256)!;
        const event = { actor: u.actor, action: 'UPLOAD', package: u.pkg.name, version: u.rendered.version, distribution: u.repo.name } as const;
        let outcome: CommitOutcome;
        if (gate.verdict === 'review' || gate.verdict === 'block') {
          const held = gate.verdict === 'review';
          events.push({ ...event, result: held ? 'PENDING' : 'BLOCKED', detail: { sha256: u.facts.sha256, arch: u.pkg.arch, reason: gate.reason, findings: gate.summary } });
          outcome = { status: held ? 'pending_review' : 'rejected', snapshot: fresh.headSnapshot, gate };
        } else {
          members.push({ repositoryId, packageId: idOf(plan), component: u.component, number });
          events.push({ ...event, result: 'SUCCESS', detail: { sha256: u.facts.sha256, arch: u.pkg.arch, snapshot: number } });
          outcome = { status: 'accepted', snapshot: number, gate };
          added.push(u);
        }
        bySha.set(u.facts.sha256, outcome);
        results.set(w, outcome);
      }
      await deps.snapshots.addMembers(trx, members);
      await deps.audit.recordMany(trx, events);
      if (added.length === 0) return 0;
      // One snapshot for the whole batch (rows of one transaction: nobody sees members without it).
      await deps.snapshots.create(trx, { repositoryId, number, reason: snapshotReason(added), actor: actorsOf(added), createdAt: added[0].uploadedAt.toISOString() });
      await deps.repositories.setHead(trx, repositoryId, number);
      return added.length;
    });
    if (accepted > 0) deps.publisher.schedule(repositoryId);
    for (const w of batch) {
      const r = results.get(w)!;
      if (r instanceof Error) w.reject(r);
      else w.resolve(r);
    }
  }

  /**
   * Decides, in upload order and with a few queries for the whole batch, what becomes of each upload
   * before the gate is asked: already a member (answered here), a stored package to add, a new row to
   * insert, or a conflict (answered here). A second upload of the same bytes in the batch follows the first.
   */
  private async plan(trx: Kysely<Database>, repo: Repository, batch: Waiting[], results: Map<Waiting, CommitOutcome | AppError>): Promise<Plan[]> {
    const { deps } = this;
    const stored = await deps.packages.idsBySha([...new Set(batch.map((w) => w.upload.facts.sha256))], trx);
    const live = await deps.snapshots.liveMemberIds(repo.id, [...stored.values()], trx);
    const unknown = batch.filter((w) => !stored.has(w.upload.facts.sha256)).map((w) => identityOf(w.upload));
    const taken = unknown.length ? await this.takenIdentities(trx, repo, unknown) : new Map<string, string>();
    const planned = new Set<string>();
    const plans: Plan[] = [];
    for (const w of batch) {
      const u = w.upload;
      const sha = u.facts.sha256;
      const packageId = stored.get(sha);
      if (planned.has(sha) || packageId !== undefined) {
        if (packageId !== undefined && live.has(packageId)) results.set(w, { status: 'already_imported', snapshot: repo.headSnapshot });
        else plans.push({ w, packageId, insert: false });
        planned.add(sha);
        continue;
      }
      const id = identityOf(u);
      const other = taken.get(identityKey(id));
      if (other !== undefined) {
        results.set(w, conflictError(id, other, sha));
        continue;
      }
      // Within one batch the first upload of an identity takes it, whatever the gate then says of it.
      taken.set(identityKey(id), sha);
      planned.add(sha);
      plans.push({ w, packageId: undefined, insert: true });
    }
    return plans;
  }
}

type Plan = { w: Waiting; packageId: number | undefined; insert: boolean };

/** What makes two packages the same package: two different files may not share it. */
export interface Identity {
  name: string;
  version: string;
  arch: string;
}

export function identityOf(u: Pick<PendingUpload, 'pkg' | 'rendered'>): Identity {
  return { name: u.pkg.name, version: u.rendered.version, arch: u.pkg.arch };
}

export function identityKey(i: Identity): string {
  return `${i.name}\u0000${i.version}\u0000${i.arch}`;
}

export function conflictError(i: Identity, existing: string, uploaded: string): AppError {
  return new AppError('DUPLICATE_CONFLICT', `${i.name} ${i.version} ${i.arch} already exists with different content`, {
    existing_sha256: existing,
    uploaded_sha256: uploaded,
  });
}

export function packageRow(u: Pick<PendingUpload, 'pkg' | 'rendered' | 'facts' | 'uploadedAt' | 'actor'>) {
  const { pkg, rendered, facts } = u;
  const { files, ...meta } = pkg;
  return {
    sha256: facts.sha256,
    format: pkg.format,
    name: pkg.name,
    version: rendered.version,
    arch: pkg.arch,
    source: pkg.source,
    source_version: pkg.format === 'deb' ? pkg.sourceVersion : rendered.version,
    filename: rendered.filename,
    size: facts.size,
    sha1: facts.sha1,
    md5: facts.md5,
    meta: JSON.stringify(meta),
    files: JSON.stringify(files),
    fragment_index: rendered.fragmentIndex,
    fragment_files: rendered.fragmentFiles,
    fragment_other: rendered.fragmentOther,
    created_at: u.uploadedAt.toISOString(),
    uploaded_by: u.actor.username,
  };
}

function describe(u: PendingUpload): string {
  return `${u.pkg.name} ${u.rendered.version} ${u.pkg.arch}`;
}

function snapshotReason(ups: PendingUpload[]): string {
  if (ups.length === 1) return `upload ${describe(ups[0])}`;
  const shown = ups.slice(0, 5).map(describe).join(', ');
  return `upload of ${ups.length} packages: ${shown}${ups.length > 5 ? ', ...' : ''}`;
}

function actorsOf(ups: PendingUpload[]): string {
  return [...new Set(ups.map((u) => u.actor.username))].join(', ');
}
