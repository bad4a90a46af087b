import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import type { JobService } from '../../../jobs/job.service.js';
import type { RepoEnvironments } from '../../../repo/environment.wiring.js';
import { POINT_JOB } from '../../../repo/environment.wiring.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { v2ErrorResponses } from './v2-envelope.js';

const Started = Type.Object({ rc: Type.Integer(), return: Type.Integer(), results: Type.String(), 'task-id': Type.Integer() });

/**
 * PATCH /environment/<env>/point {snapshot}: points the environment named in the URL (Repomanager always
 * pointed `prod`) of the snapshot's repository. A task, as in Repomanager: 202 with its id, or with
 * `?wait=true` 200 once it is done.
 */
export const environmentV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; envs: RepoEnvironments; jobs: JobService }> = async (app, { v2, envs, jobs }) => {
  app.patch(
    '/environment/:env/point',
    {
      preHandler: v2Permission(v2, 'package:promote'),
      schema: {
        tags: ['api v2'],
        params: Type.Object({ env: Type.String({ maxLength: 64 }) }),
        querystring: Type.Object({ wait: Type.Boolean({ default: false }) }),
        body: Type.Object({ snapshot: Type.Union([Type.Integer({ minimum: 1 }), Type.String({ pattern: '^[0-9]+$' })]) }),
        response: { 200: Started, 202: Started, ...v2ErrorResponses },
      },
    },
    async (req, reply) => {
      const snapshotId = Number(req.body.snapshot);
      await envs.environments.get(req.params.env);
      await envs.snapshots.byId(snapshotId);
      const a = req.actor!;
      const id = await jobs.enqueue(POINT_JOB, { environment: req.params.env, snapshot_id: snapshotId, actor: { username: a.username, role: a.role, ip: a.ip ?? '' } }, { createdBy: a.username });
      if (!req.query.wait) return reply.status(202).send({ rc: 202, return: 202, results: 'Environment point started', 'task-id': id });
      const job = await jobs.wait(id);
      if (job.state !== 'succeeded') throw new AppError('INTERNAL', `environment point task ${id} ${job.state}: ${job.error}`);
      return reply.status(200).send({ rc: 200, return: 200, results: `Environment ${req.params.env} points to snapshot ${snapshotId}`, 'task-id': id });
    },
  );
};
