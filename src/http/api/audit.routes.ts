import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { auditItem, renderExport } from '../../audit/audit-export.js';
import type { AuditService } from '../../audit/audit.service.js';
import type { AuthService } from '../../auth/auth.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const Filters = {
  action: Type.Optional(Type.String({ maxLength: 64 })),
  result: Type.Optional(Type.String({ maxLength: 32 })),
  user: Type.Optional(Type.String({ maxLength: 128 })),
  package: Type.Optional(Type.String({ maxLength: 256 })),
  start: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date (whole day) or date-time, inclusive' })),
  end: Type.Optional(Type.String({ maxLength: 40, description: 'ISO date (whole day) or date-time, inclusive' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'case-insensitive text search' })),
  sort: Type.Optional(Type.Union([Type.Literal('desc'), Type.Literal('asc'), Type.Literal('-timestamp'), Type.Literal('timestamp')], { default: 'desc' })),
};

const AuditItem = Type.Object({
  id: Type.Integer(),
  timestamp: Type.String(),
  user: Type.String(),
  role: Type.String(),
  source_ip: Type.String(),
  action: Type.String(),
  result: Type.String(),
  package: Type.String(),
  version: Type.String(),
  distribution: Type.String(),
  detail: Type.Record(Type.String(), Type.Unknown()),
  prev_hash: Type.String(),
  hash: Type.String(),
});

/** The audit log: filtered pages, a streamed export and the hash-chain check. */
export const auditRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; audit: AuditService }> = async (app, { auth, audit }) => {
  const read = requirePermission(auth, 'audit:read');
  const tags = ['audit'];

  app.get(
    '/artifacts/audit/logs',
    {
      preHandler: read,
      schema: {
        summary: 'Audit events, filtered and paginated (newest first)',
        tags,
        querystring: Type.Object({ ...Filters, page: Type.Integer({ minimum: 1, default: 1 }), per_page: Type.Integer({ minimum: 1, maximum: 200, default: 50 }) }),
        response: {
          200: Type.Object({ items: Type.Array(AuditItem), total: Type.Integer(), page: Type.Integer(), per_page: Type.Integer(), pages: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const { page, per_page: perPage, ...query } = req.query;
      const result = await audit.list(query, page, perPage);
      return { ...result, items: result.items.map(auditItem) };
    },
  );

  app.get(
    '/artifacts/audit/export',
    {
      preHandler: read,
      // A HEAD would page through the whole log only to drain it.
      exposeHeadRoute: false,
      schema: {
        summary: 'The filtered audit log as a JSON array or CSV, streamed',
        tags,
        querystring: Type.Object({ ...Filters, format: Type.Union([Type.Literal('json'), Type.Literal('csv')], { default: 'json' }) }),
        produces: ['application/json', 'text/csv'],
        response: { 200: Type.Unsafe<unknown>({ type: 'string', description: 'JSON array or CSV (streamed)' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const { format, ...query } = req.query;
      // Filters are checked before the first byte is sent, so bad input is still a JSON error.
      audit.checkQuery(query);
      const stamp = new Date().toISOString().slice(0, 10);
      reply.type(format === 'csv' ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
      reply.header('Content-Disposition', `attachment; filename="audit-${stamp}.${format}"`);
      return reply.send(Readable.from(renderExport(audit.events(query), format)));
    },
  );

  app.get(
    '/artifacts/audit/integrity',
    {
      preHandler: read,
      schema: {
        summary: 'Verify the hash chain of the whole audit log',
        tags,
        response: {
          200: Type.Object({
            ok: Type.Boolean(),
            status: Type.Union([Type.Literal('ok'), Type.Literal('broken')]),
            checked: Type.Integer(),
            first_broken_id: Type.Union([Type.Integer(), Type.Null()]),
            reason: Type.Union([Type.String(), Type.Null()]),
            last_hash: Type.String(),
          }),
          ...errorResponses,
        },
      },
    },
    async () => audit.verify(),
  );
};
