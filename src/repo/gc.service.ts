import type { Logger } from 'pino';
import type { Clock } from '../core/clock.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { SnapshotContentStore } from '../store/sql/snapshot-content.store.js';
import type { RetentionResult, RetentionService } from './retention.service.js';

export const GC_JOB = 'snapshot-gc';

export interface GcResult {
  publications: number;
  blobs: number;
  bytes: number;
}

/**
 * Removes what nothing serves any more: publications of deleted snapshots once their by-hash grace is
 * over, then blobs no row references that are older than the blob grace (a blob is written before the
 * row that points at it, so a young unreferenced blob may be an upload in flight).
 */
export class GcService {
  constructor(
    private readonly deps: {
      blobs: BlobStore;
      content: SnapshotContentStore;
      retention: RetentionService;
      clock: Clock;
      logger: Logger;
      publicationGraceSeconds: number;
      blobGraceSeconds: number;
    },
  ) {}

  async collect(signal?: AbortSignal): Promise<GcResult> {
    const { deps } = this;
    const now = deps.clock.now().getTime();
    const stale = await deps.content.stalePublications(new Date(now - deps.publicationGraceSeconds * 1000).toISOString());
    await deps.content.deletePublications(stale);
    const referenced = new Set<string>();
    for await (const sha of deps.content.referencedBlobs()) referenced.add(sha);
    const before = now - deps.blobGraceSeconds * 1000;
    let blobs = 0;
    let bytes = 0;
    for await (const b of deps.blobs.list()) {
      signal?.throwIfAborted();
      if (referenced.has(b.sha256) || b.modifiedAt.getTime() >= before) continue;
      await deps.blobs.delete(b.sha256);
      blobs++;
      bytes += b.size;
    }
    if (blobs > 0) await deps.blobs.compact?.();
    deps.logger.info({ publications: stale.length, blobs, bytes }, 'garbage collected');
    return { publications: stale.length, blobs, bytes };
  }

  /** The job: retention over every repository, then collection. */
  async run(actor: { username: string; role: string; ip?: string }, signal?: AbortSignal): Promise<{ retention: RetentionResult[]; gc: GcResult }> {
    const retention = await this.deps.retention.applyAll(actor);
    const gc = await this.collect(signal);
    return { retention, gc };
  }
}
