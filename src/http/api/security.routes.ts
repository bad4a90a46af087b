import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { SecurityService } from '../../security/security.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const Open = (props: Parameters<typeof Type.Object>[0] = {}) => Type.Object(props, { additionalProperties: true });
const Paging = { page: Type.Integer({ minimum: 1, default: 1 }), per_page: Type.Integer({ minimum: 1, maximum: 500, default: 50 }) };
const Severity = Type.Union(['critical', 'high', 'medium', 'low', 'negligible', 'unknown'].map((s) => Type.Literal(s)));
const NameVersion = Type.Object({ name: Type.String({ maxLength: 200 }), version: Type.String({ maxLength: 200 }) });
const ArchQuery = Type.Object({ arch: Type.Optional(Type.String({ maxLength: 32 })) });

/** Repod's security reads: review queue, vulnerabilities, per-package CVEs and decisions. */
export const securityRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; security: SecurityService }> = async (app, { auth, security }) => {
  const read = requirePermission(auth, 'security:read');
  app.get(
    '/security/review-queue',
    { preHandler: read, schema: { tags: ['security'], querystring: Type.Object(Paging), response: { 200: Open({ total: Type.Integer(), packages: Type.Array(Open()) }), ...errorResponses } } },
    async (req) => security.reviewQueue({ page: req.query.page, perPage: req.query.per_page }),
  );
  app.get(
    '/security/vulnerabilities',
    {
      preHandler: read,
      schema: {
        tags: ['security'],
        querystring: Type.Object({
          severity: Type.Optional(Severity),
          fix_state: Type.Optional(Type.Union([Type.Literal('fixed'), Type.Literal('not-fixed'), Type.Literal('unknown')])),
          distribution: Type.Optional(Type.String({ maxLength: 100 })),
          ...Paging,
        }),
        response: { 200: Open({ summary: Open(), total: Type.Integer(), vulnerabilities: Type.Array(Open()) }), ...errorResponses },
      },
    },
    async (req) => security.vulnerabilities({ severity: req.query.severity, fixState: req.query.fix_state, distribution: req.query.distribution, page: req.query.page, perPage: req.query.per_page }),
  );
  app.get(
    '/security/packages/:name/:version/cve',
    { preHandler: read, schema: { tags: ['security'], params: NameVersion, querystring: ArchQuery, response: { 200: Open({ total: Type.Integer(), cve_results: Type.Array(Open()) }), ...errorResponses } } },
    async (req) => security.packageCves(req.params.name, req.params.version, req.query.arch),
  );
  app.get(
    '/security/packages/:name/:version/decision',
    { preHandler: read, schema: { tags: ['security'], params: NameVersion, querystring: ArchQuery, response: { 200: Open({ status: Type.String(), states: Type.Array(Open()), history: Type.Array(Open()) }), ...errorResponses } } },
    async (req) => security.packageDecision(req.params.name, req.params.version, req.query.arch),
  );
  app.get(
    '/security/decisions',
    { preHandler: read, schema: { tags: ['security'], querystring: Type.Object({ distribution: Type.Optional(Type.String({ maxLength: 100 })), ...Paging }), response: { 200: Open({ total: Type.Integer(), decisions: Type.Array(Open()) }), ...errorResponses } } },
    async (req) => security.listDecisions({ distribution: req.query.distribution, page: req.query.page, perPage: req.query.per_page }),
  );
};
