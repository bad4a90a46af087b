import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { JobContext } from '../jobs/job.types.js';
import type { FeedRow } from '../store/sql/security-settings.store.js';
import { type ImportCounts, importRecords } from './advisory-import.js';
import { type FeedFormat, blobRecords, directoryRecords } from './feed-reader.js';
import type { RematchService } from './rematch.service.js';
import type { SecuritySettingsService } from './security-settings.service.js';
import type { SecurityDeps } from './security.types.js';

export const FEED_IMPORT_JOB = 'security.feed-import';
const FEED_LOCK = 'security-feeds';
/** Feed files may be large (an all.zip of every Debian advisory is hundreds of MB). */
const MAX_FEED_BYTES = 4 * 1024 * 1024 * 1024;

export interface FeedView extends FeedRow {
  advisories: number;
}

interface ImportPayload {
  feedId: number;
  sha256?: string;
  size?: number;
  actor: string;
  role: string;
}

/** Feed sources (uploaded files and URLs with a refresh schedule) and their import jobs. */
export class FeedService {
  constructor(
    private readonly deps: SecurityDeps,
    private readonly settings: SecuritySettingsService,
    private readonly rematch: RematchService,
  ) {}

  /** Stores an uploaded feed file in the blob store (shared by every node) before its import is queued. */
  async stageFile(stream: Readable): Promise<{ sha256: string; size: number }> {
    const staged = await this.deps.blobs.stage(stream, { maxBytes: MAX_FEED_BYTES });
    try {
      await staged.commit();
    } finally {
      await staged.discard();
    }
    return { sha256: staged.facts.sha256, size: staged.facts.size };
  }

  /** Queues the import of a staged feed file; the feed source is named after the file. */
  async importFile(actor: Actor, file: { sha256: string; size: number; filename: string }, format: FeedFormat, distribution: string): Promise<{ jobId: number; feedId: number }> {
    const name = `file:${format}:${file.filename}`;
    const feedId = await this.deps.db.transaction().execute(async (trx) => {
      const existing = await this.deps.settings.feedByName(name, trx);
      if (existing) {
        await this.deps.settings.updateFeed(trx, existing.id, { distribution });
        return existing.id;
      }
      const id = await this.deps.settings.createFeed(trx, this.newFeed(actor, { name, format, url: '', refreshHours: 0, distribution }));
      await this.deps.audit.record(trx, { actor, action: 'FEED_CHANGE', result: 'SUCCESS', detail: { feed_id: id, name, format, created: true } });
      return id;
    });
    const payload: ImportPayload = { feedId, sha256: file.sha256, size: file.size, actor: actor.username, role: actor.role };
    const jobId = await this.deps.jobs.enqueue(FEED_IMPORT_JOB, { ...payload }, { lockKey: FEED_LOCK, createdBy: actor.username });
    return { jobId, feedId };
  }

  /** Registers a URL feed (http(s), or file:// for a local file or directory) and queues its first import. */
  async register(actor: Actor, input: { name: string; url: string; format: FeedFormat; refreshHours: number; distribution: string }): Promise<{ feed: FeedView; jobId: number }> {
    let url: URL;
    try {
      url = new URL(input.url);
    } catch {
      throw new AppError('VALIDATION_FAILED', `"${input.url}" is not a URL`);
    }
    if (!['http:', 'https:', 'file:'].includes(url.protocol)) throw new AppError('VALIDATION_FAILED', 'feed URLs are http, https or file');
    const id = await this.deps.db.transaction().execute(async (trx) => {
      const feedId = await this.deps.settings.createFeed(trx, this.newFeed(actor, { ...input, url: url.toString() }));
      await this.deps.audit.record(trx, { actor, action: 'FEED_CHANGE', result: 'SUCCESS', detail: { feed_id: feedId, name: input.name, url: url.toString(), refresh_hours: input.refreshHours } });
      return feedId;
    });
    const jobId = await this.deps.jobs.enqueue(FEED_IMPORT_JOB, { feedId: id, actor: actor.username, role: actor.role }, { lockKey: FEED_LOCK, createdBy: actor.username });
    return { feed: (await this.list()).find((f) => f.id === id)!, jobId };
  }

  async list(): Promise<FeedView[]> {
    const feeds = await this.deps.settings.feeds();
    return Promise.all(feeds.map(async (f) => ({ ...f, advisories: await this.deps.advisories.countByFeed(f.id) })));
  }

  /** Removes a feed and its advisories, then re-matches so findings that came only from it resolve. */
  async remove(actor: Actor, id: number): Promise<{ removedAdvisories: number; jobId: number }> {
    const removed = await this.deps.db.transaction().execute(async (trx) => {
      const feed = await this.deps.settings.feed(id, trx);
      if (!feed) throw new AppError('NOT_FOUND', `no feed ${id}`);
      const n = await this.deps.advisories.deleteByFeed(id, trx);
      await this.deps.settings.deleteFeed(trx, id);
      await this.deps.audit.record(trx, { actor, action: 'FEED_CHANGE', result: 'SUCCESS', detail: { feed_id: id, name: feed.name, deleted: true, advisories_removed: n } });
      return n;
    });
    const jobId = await this.deps.jobs.enqueue('security.rematch', {}, { lockKey: FEED_LOCK, createdBy: actor.username });
    return { removedAdvisories: removed, jobId };
  }

  /** Queues imports of URL feeds whose refresh is due. */
  async enqueueDue(): Promise<number> {
    const now = this.deps.clock.now();
    const due = await this.deps.settings.dueFeeds(now.toISOString());
    for (const f of due) {
      await this.deps.settings.updateFeed(this.deps.db, f.id, { next_refresh_at: new Date(now.getTime() + f.refresh_hours * 3_600_000).toISOString() });
      await this.deps.jobs.enqueue(FEED_IMPORT_JOB, { feedId: f.id, actor: 'system', role: 'system' }, { lockKey: FEED_LOCK, createdBy: 'system' });
    }
    return due.length;
  }

  /** The import job: read, upsert, map, re-match, record the outcome on the feed and in the audit log. */
  async runImport(raw: Record<string, unknown>, ctx: JobContext): Promise<Record<string, unknown>> {
    const p = raw as unknown as ImportPayload;
    const { deps } = this;
    const actor: Actor = { username: p.actor, role: p.role };
    const feed = await deps.settings.feed(p.feedId);
    if (!feed) throw new AppError('NOT_FOUND', `feed ${p.feedId} no longer exists`);
    const format = feed.format as FeedFormat;
    try {
      const records = p.sha256 ? blobRecords(deps.blobs, p.sha256, p.size ?? 0, format) : await this.urlRecords(feed, ctx.signal);
      const counts = await importRecords(deps, feed.id, records, ctx.signal);
      await ctx.progress(50, `imported: ${JSON.stringify(counts)}`);
      const mapped = await this.applyMapping(actor, feed.distribution, counts, ctx);
      const changed = counts.inserted + counts.updated + counts.withdrawn > 0 || mapped;
      const rematch = changed ? await this.rematch.rematchAll((done, total) => ctx.progress(50 + (50 * done) / total)) : null;
      const now = deps.clock.now().toISOString();
      await deps.db.transaction().execute(async (trx) => {
        await deps.settings.updateFeed(trx, feed.id, { last_import_at: now, last_status: 'succeeded', last_error: '', last_counts: JSON.stringify(counts) });
        await deps.audit.record(trx, { actor, action: 'FEED_IMPORT', result: 'SUCCESS', detail: { feed_id: feed.id, name: feed.name, ...counts, rematch } });
      });
      return { feed_id: feed.id, ...counts, rematch };
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await deps.db.transaction().execute(async (trx) => {
        await deps.settings.updateFeed(trx, feed.id, { last_import_at: deps.clock.now().toISOString(), last_status: 'failed', last_error: message.slice(0, 1000) });
        await deps.audit.record(trx, { actor, action: 'FEED_IMPORT', result: 'FAILURE', detail: { feed_id: feed.id, name: feed.name, error: message } });
      });
      throw err;
    }
  }

  /** "dist=release[,release]" maps explicitly; a bare "dist" maps it to the one release the feed contained. */
  private async applyMapping(actor: Actor, spec: string, counts: ImportCounts, ctx: JobContext): Promise<boolean> {
    if (!spec.trim()) return false;
    const [dist, list] = spec.split('=', 2).map((s) => s.trim());
    const releases = list ? list.split(',') : counts.releases;
    if (!list && releases.length !== 1) {
      await ctx.log(`distribution mapping "${dist}" not applied: the feed holds ${releases.length} releases (${releases.join(', ')}); name one as "${dist}=<release>"`);
      return false;
    }
    const before = await this.settings.releaseKeys(dist);
    if (before.length === releases.length && before.every((r, i) => r === releases[i])) return false;
    await this.settings.setReleases(actor, dist, releases);
    return true;
  }

  private async urlRecords(feed: FeedRow, signal: AbortSignal) {
    const url = new URL(feed.url);
    if (url.protocol === 'file:') {
      const p = fileURLToPath(url);
      const s = await stat(p).catch(() => null);
      if (!s) throw new AppError('FEED_INVALID', `${p} does not exist`);
      if (s.isDirectory()) {
        if (feed.format !== 'osv') throw new AppError('FEED_INVALID', 'only OSV feeds can be read from a directory');
        return directoryRecords(p);
      }
      return this.stageAndRead(createReadStream(p), feed.format as FeedFormat);
    }
    const res = await fetch(url, { signal, redirect: 'follow' });
    if (!res.ok || !res.body) throw new AppError('FEED_INVALID', `GET ${url.origin}${url.pathname} answered ${res.status}`);
    return this.stageAndRead(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), feed.format as FeedFormat);
  }

  /** Spools a fetched feed into the blob store first: an all.zip needs random access. */
  private async stageAndRead(stream: Readable, format: FeedFormat) {
    const file = await this.stageFile(stream);
    return blobRecords(this.deps.blobs, file.sha256, file.size, format);
  }

  private newFeed(actor: Actor, f: { name: string; format: FeedFormat; url: string; refreshHours: number; distribution: string }) {
    return {
      name: f.name,
      format: f.format,
      url: f.url,
      refresh_hours: f.refreshHours,
      distribution: f.distribution,
      created_at: this.deps.clock.now().toISOString(),
      created_by: actor.username,
      last_import_at: null,
      last_status: 'queued',
      last_error: '',
      last_counts: '{}',
      next_refresh_at: f.refreshHours > 0 ? new Date(this.deps.clock.now().getTime() + f.refreshHours * 3_600_000).toISOString() : null,
    };
  }
}
