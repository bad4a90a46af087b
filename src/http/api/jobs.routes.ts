import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { AppError } from '../../core/errors.js';
import type { JobService } from '../../jobs/job.service.js';
import type { Job } from '../../jobs/job.types.js';
import type { JobsStore } from '../../store/sql/jobs.store.js';
import { requirePermission } from '../plugins/auth.js';
import { ErrorBody } from '../schemas/common.js';

const JobBody = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  state: Type.String(),
  progress: Type.Integer(),
  payload: Type.Record(Type.String(), Type.Unknown()),
  result: Type.Record(Type.String(), Type.Unknown()),
  error: Type.String(),
  log: Type.String(),
  created_by: Type.String(),
  created_at: Type.String(),
  started_at: Type.Union([Type.String(), Type.Null()]),
  finished_at: Type.Union([Type.String(), Type.Null()]),
  attempts: Type.Integer(),
});

export function jobBody(j: Job) {
  return {
    id: j.id,
    kind: j.kind,
    state: j.state,
    progress: j.progress,
    payload: j.payload,
    result: j.result,
    error: j.error,
    log: j.log,
    created_by: j.createdBy,
    created_at: j.createdAt,
    started_at: j.startedAt,
    finished_at: j.finishedAt,
    attempts: j.attempts,
  };
}

const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Long work (publish, scans, imports): poll a job by id, list recent jobs, cancel one. */
export const jobsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; jobs: JobService; store: JobsStore }> = async (app, { auth, jobs, store }) => {
  app.get(
    '/jobs',
    {
      preHandler: requirePermission(auth, 'package:read'),
      schema: {
        querystring: Type.Object({
          kind: Type.Optional(Type.String({ maxLength: 64 })),
          state: Type.Optional(Type.String({ maxLength: 16 })),
          page: Type.Integer({ minimum: 1, default: 1 }),
          per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }),
        }),
        response: { 200: Type.Object({ items: Type.Array(JobBody), total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer(), pages: Type.Integer() }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req) => {
      const q = req.query;
      const { items, total } = await store.list({ kind: q.kind, state: q.state, limit: q.per_page, offset: (q.page - 1) * q.per_page });
      return { items: items.map(jobBody), total, page: q.page, per_page: q.per_page, pages: Math.ceil(total / q.per_page) };
    },
  );
  app.get(
    '/jobs/:id',
    { preHandler: requirePermission(auth, 'package:read'), schema: { params: IdParams, response: { 200: JobBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (req) => {
      const job = await jobs.get(req.params.id);
      if (!job) throw new AppError('NOT_FOUND', 'no such job');
      return jobBody(job);
    },
  );
  app.post(
    '/jobs/:id/cancel',
    { preHandler: requirePermission(auth, 'package:delete'), schema: { params: IdParams, response: { 200: JobBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (req) => jobBody(await jobs.cancel(req.params.id)),
  );
};
