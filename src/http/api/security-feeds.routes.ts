import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { AppError } from '../../core/errors.js';
import type { JobService } from '../../jobs/job.service.js';
import type { FeedFormat } from '../../security/feed-reader.js';
import type { SecurityService } from '../../security/security.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';
import { jobBody } from './jobs.routes.js';

const Format = Type.Union([Type.Literal('osv'), Type.Literal('debian-tracker')]);
const Open = Type.Object({}, { additionalProperties: true });
const Accepted = Type.Object({ job_id: Type.Integer(), feed_id: Type.Integer(), status: Type.String(), job: Type.Optional(Open) });
const isFormat = (v: string): v is FeedFormat => v === 'osv' || v === 'debian-tracker';

/** Vulnerability feeds: offline import of a file, URL sources with a refresh schedule, listing, removal. */
export const securityFeedsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; security: SecurityService; jobs: JobService }> = async (app, { auth, security, jobs }) => {
  const admin = requirePermission(auth, 'security:admin');
  app.post(
    '/security/feeds/import',
    {
      preHandler: admin,
      schema: {
        tags: ['security'],
        summary: 'Import a feed file (multipart: file, format=osv|debian-tracker, distribution?)',
        consumes: ['multipart/form-data'],
        querystring: Type.Object({ wait: Type.Boolean({ default: false }) }),
        response: { 200: Accepted, 202: Accepted, ...errorResponses },
      },
    },
    async (req, reply) => {
      if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', 'expected multipart/form-data with fields "file" and "format"');
      let file: { sha256: string; size: number; filename: string } | undefined;
      const fields: Record<string, string> = {};
      for await (const part of req.parts({ limits: { files: 1, fields: 10, fileSize: Number.MAX_SAFE_INTEGER } })) {
        if (part.type === 'file') {
          if (part.fieldname !== 'file' || file) {
            part.file.resume();
            throw new AppError('VALIDATION_FAILED', 'exactly one file, in the field "file", is expected');
          }
          file = { ...(await security.feeds.stageFile(part.file)), filename: part.filename };
        } else fields[part.fieldname] = String(part.value).trim();
      }
      if (!file) throw new AppError('VALIDATION_FAILED', 'the field "file" is required');
      const format = fields.format ?? '';
      if (!isFormat(format)) throw new AppError('VALIDATION_FAILED', 'the field "format" must be osv or debian-tracker');
      const { jobId, feedId } = await security.feeds.importFile(req.actor!, file, format, fields.distribution ?? '');
      if (!req.query.wait) return reply.status(202).send({ job_id: jobId, feed_id: feedId, status: 'queued' });
      const job = await jobs.wait(jobId, 10 * 60_000);
      return { job_id: jobId, feed_id: feedId, status: job.state, job: jobBody(job) };
    },
  );
  app.post(
    '/security/feeds',
    {
      preHandler: admin,
      schema: {
        tags: ['security'],
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          url: Type.String({ minLength: 1, maxLength: 2000 }),
          format: Format,
          refresh_hours: Type.Integer({ minimum: 0, maximum: 24 * 365, default: 24 }),
          distribution: Type.String({ maxLength: 200, default: '' }),
        }),
        response: { 202: Type.Object({ feed: Open, job_id: Type.Integer() }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const r = await security.feeds.register(req.actor!, { name: b.name, url: b.url, format: b.format, refreshHours: b.refresh_hours, distribution: b.distribution });
      return reply.status(202).send({ feed: r.feed, job_id: r.jobId });
    },
  );
  app.get(
    '/security/feeds',
    { preHandler: requirePermission(auth, 'security:read'), schema: { tags: ['security'], response: { 200: Type.Object({ feeds: Type.Array(Open) }), ...errorResponses } } },
    async () => ({ feeds: (await security.feeds.list()).map((f) => ({ ...f, last_counts: JSON.parse(f.last_counts) as unknown })) }),
  );
  app.delete(
    '/security/feeds/:id',
    {
      preHandler: admin,
      schema: { tags: ['security'], params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Object({ deleted: Type.Integer(), advisories_removed: Type.Integer(), job_id: Type.Integer() }), ...errorResponses } },
    },
    async (req) => {
      const r = await security.feeds.remove(req.actor!, req.params.id);
      return { deleted: req.params.id, advisories_removed: r.removedAdvisories, job_id: r.jobId };
    },
  );
  app.post(
    '/security/rematch',
    { preHandler: admin, schema: { tags: ['security'], response: { 202: Type.Object({ job_id: Type.Integer() }), ...errorResponses } } },
    async (req, reply) => reply.status(202).send({ job_id: await security.enqueueRematch(req.actor!) }),
  );
};
