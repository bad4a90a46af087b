import type { FastifyPluginAsync } from 'fastify';
import type { JobService } from '../../../jobs/job.service.js';
import type { RepoEnvironments } from '../../../repo/environment.wiring.js';
import type { JobsStore } from '../../../store/sql/jobs.store.js';
import type { RepositoriesStore } from '../../../store/sql/repositories.store.js';
import { environmentV2Routes } from './environment.routes.js';
import { profileV2Routes } from './profile.routes.js';
import { repoV2Routes } from './repo.routes.js';
import { snapshotWriteV2Routes } from './snapshot-write.routes.js';
import { snapshotV2Routes } from './snapshot.routes.js';
import { taskV2Routes } from './task.routes.js';
import type { V2Auth } from './v2-auth.types.js';
import { useV2Envelope } from './v2-envelope.js';

export interface RepoApiV2Options {
  v2: V2Auth;
  envs: RepoEnvironments;
  jobs: JobService;
  jobsStore: JobsStore;
  repositories: RepositoriesStore;
  publicUrl: string;
  maxUploadBytes: number;
}

/** The repository side of API v2 (repos, snapshots, environments, profiles, tasks), register under /api/v2. */
export const repoApiV2: FastifyPluginAsync<RepoApiV2Options> = async (app, o) => {
  useV2Envelope(app);
  await app.register(repoV2Routes, { v2: o.v2, envs: o.envs, repositories: o.repositories });
  await app.register(snapshotV2Routes, { v2: o.v2, envs: o.envs, publicUrl: o.publicUrl });
  await app.register(snapshotWriteV2Routes, { v2: o.v2, envs: o.envs, maxUploadBytes: o.maxUploadBytes });
  await app.register(environmentV2Routes, { v2: o.v2, envs: o.envs, jobs: o.jobs });
  await app.register(profileV2Routes, { v2: o.v2, profiles: o.envs.profiles, publicUrl: o.publicUrl });
  await app.register(taskV2Routes, { v2: o.v2, jobs: o.jobs, store: o.jobsStore });
};
