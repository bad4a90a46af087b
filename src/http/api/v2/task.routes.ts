import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import type { JobService } from '../../../jobs/job.service.js';
import type { JobsStore } from '../../../store/sql/jobs.store.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';
import { TaskV2, taskV2 } from './v2-shapes.js';

const STATES: Record<string, string> = { running: 'running', queued: 'queued', done: 'succeeded', error: 'failed', stopped: 'canceled' };

/** Repomanager tasks are Packyard jobs. */
export const taskV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; jobs: JobService; store: JobsStore }> = async (app, { v2, jobs, store }) => {
  const tags = ['api v2'];
  const read = v2Permission(v2, 'package:read');
  const list = async (state?: string) => v2Results((await store.list({ state, limit: 200, offset: 0 })).items.map(taskV2));
  app.get('/tasks', { preHandler: read, schema: { tags, response: { 200: V2Results(Type.Array(TaskV2)), ...v2ErrorResponses } } }, async () => list());
  app.get(
    '/tasks/:state',
    { preHandler: read, schema: { tags, params: Type.Object({ state: Type.Union(Object.keys(STATES).concat('scheduled').map((s) => Type.Literal(s))) }), response: { 200: V2Results(Type.Array(TaskV2)), ...v2ErrorResponses } } },
    async (req) => (req.params.state === 'scheduled' ? v2Results([]) : list(STATES[req.params.state])),
  );
  app.get('/task/:id', { preHandler: read, schema: { tags, params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: V2Results(TaskV2), ...v2ErrorResponses } } }, async (req) => {
    const job = await jobs.get(req.params.id);
    if (!job) throw new AppError('NOT_FOUND', `no task ${req.params.id}`);
    return v2Results(taskV2(job));
  });
};
