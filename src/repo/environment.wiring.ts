import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { AuditService } from '../audit/audit.service.js';
import type { Config } from '../config/config.js';
import type { IngestService } from '../content/ingest.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import type { JobService } from '../jobs/job.service.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { Database } from '../store/db/schema.js';
import { EnvironmentsStore } from '../store/sql/environments.store.js';
import { ProfilesStore } from '../store/sql/profiles.store.js';
import type { PublicationsStore } from '../store/sql/publications.store.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import { SnapshotContentStore } from '../store/sql/snapshot-content.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import { EnvironmentServeService } from './environment-serve.service.js';
import { EnvironmentService } from './environment.service.js';
import { GC_JOB, GcService } from './gc.service.js';
import { ProfileService } from './profile.service.js';
import type { PublishService } from './publish.service.js';
import { RetentionService } from './retention.service.js';
import { SnapshotUploadService } from './snapshot-upload.service.js';
import { REBUILD_JOB, SnapshotService } from './snapshot.service.js';

export const POINT_JOB = 'environment-point';

/** Environments, snapshots, retention, profiles and their serving plane, wired once by the container. */
export interface RepoEnvironments {
  stores: { environments: EnvironmentsStore; profiles: ProfilesStore; content: SnapshotContentStore };
  environments: EnvironmentService;
  snapshots: SnapshotService;
  uploads: SnapshotUploadService;
  retention: RetentionService;
  gc: GcService;
  profiles: ProfileService;
  serve: EnvironmentServeService;
  /** Starts the periodic retention + GC job (every GC_INTERVAL_SECONDS). */
  start(): void;
  stop(): void;
}

export function createRepoEnvironments(c: {
  config: Config;
  db: Kysely<Database>;
  logger: Logger;
  clock: Clock;
  blobs: BlobStore;
  stores: { repositories: RepositoriesStore; publications: PublicationsStore; snapshots: SnapshotsStore };
  publisher: PublishService;
  ingest: IngestService;
  jobs: JobService;
  audit: AuditService;
}): RepoEnvironments {
  const { db, clock, audit, publisher, jobs, logger } = c;
  const { repositories, publications, snapshots } = c.stores;
  const stores = { environments: new EnvironmentsStore(db), profiles: new ProfilesStore(db), content: new SnapshotContentStore(db) };
  const environments = new EnvironmentService({ db, environments: stores.environments, repositories, publications, publisher, audit, clock });
  const snapshotService = new SnapshotService({ db, repositories, snapshots, environments: stores.environments, content: stores.content, publications, publisher, jobs, audit, clock });
  const uploads = new SnapshotUploadService({ ingest: c.ingest, snapshots: snapshotService, audit, maxUploadBytes: c.config.maxUploadBytes });
  const retention = new RetentionService({ db, repositories, publications, environments: stores.environments, content: stores.content, audit, logger, keep: c.config.snapshotRetention });
  const gc = new GcService({ blobs: c.blobs, content: stores.content, retention, clock, logger, publicationGraceSeconds: c.config.publicationGraceSeconds, blobGraceSeconds: c.config.gcGraceSeconds });
  const profiles = new ProfileService({ db, profiles: stores.profiles, repositories, environments: stores.environments, audit, clock });
  const serve = new EnvironmentServeService({ repositories, publications, environments: stores.environments, clock, graceSeconds: c.config.publicationGraceSeconds, settle: (id) => publisher.settle(id) });

  const actorOf = (payload: Record<string, unknown>): Actor => {
    const a = (payload.actor ?? {}) as Partial<Actor>;
    return { username: String(a.username ?? 'system'), role: String(a.role ?? ''), ip: String(a.ip ?? '') };
  };
  jobs.register(REBUILD_JOB, async (payload) => snapshotService.rebuild(actorOf(payload), Number(payload.snapshot_id)));
  jobs.register(POINT_JOB, async (payload) => {
    const p = await environments.pointBySnapshotId(actorOf(payload), String(payload.environment), Number(payload.snapshot_id));
    return { environment: p.environment, snapshot: p.snapshot, snapshot_id: p.snapshotId, publication: p.publicationId };
  });
  jobs.register(GC_JOB, async (payload, ctx) => {
    const r = await gc.run(actorOf(payload), ctx.signal);
    return { retention: r.retention, gc: r.gc };
  });
  let timer: NodeJS.Timeout | undefined;
  const start = () => {
    if (timer || c.config.gcIntervalSeconds === 0) return;
    // Every node enqueues: runs are idempotent, and the job's lock key keeps them from overlapping.
    timer = setInterval(() => {
      jobs.enqueue(GC_JOB, { actor: { username: 'system', role: 'system', ip: '' } }, { createdBy: 'system', lockKey: 'gc' }).catch((err: unknown) => logger.warn({ err }, 'could not enqueue garbage collection'));
    }, c.config.gcIntervalSeconds * 1000);
    timer.unref();
  };
  const stop = () => {
    if (timer) clearInterval(timer);
    timer = undefined;
  };
  return { stores, environments, snapshots: snapshotService, uploads, retention, gc, profiles, serve, start, stop };
}
