import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { SecurityService } from '../../security/security.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const Action = Type.Union([Type.Literal('block'), Type.Literal('review'), Type.Literal('warn'), Type.Literal('allow')]);
const SEV = ['critical', 'high', 'medium', 'low', 'negligible', 'unknown'] as const;
const Partial = Type.Object(Object.fromEntries(SEV.map((s) => [s, Type.Optional(Action)])), { additionalProperties: false });
const Policy = Type.Object({ ...Object.fromEntries(SEV.map((s) => [s, Action])), distributions: Type.Record(Type.String(), Partial) });
const PolicyBody = Type.Object({ ...Object.fromEntries(SEV.map((s) => [s, Type.Optional(Action)])), distributions: Type.Optional(Type.Record(Type.String(), Partial)) }, { additionalProperties: false });
const Mapping = Type.Object({ distribution: Type.String(), releases: Type.Array(Type.String()), configured: Type.Boolean() });

/** The CVE policy and which feed releases apply to each distribution. */
export const securityPolicyRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; security: SecurityService }> = async (app, { auth, security }) => {
  app.get(
    '/security/policy',
    { preHandler: requirePermission(auth, 'security:read'), schema: { tags: ['security'], response: { 200: Policy, ...errorResponses } } },
    async () => security.settings.policy(),
  );
  app.put(
    '/security/policy',
    { preHandler: requirePermission(auth, 'security:admin'), schema: { tags: ['security'], body: PolicyBody, response: { 200: Policy, ...errorResponses } } },
    async (req) => security.settings.putPolicy(req.actor!, req.body as Record<string, unknown>),
  );
  app.get(
    '/security/distributions',
    { preHandler: requirePermission(auth, 'security:read'), schema: { tags: ['security'], response: { 200: Type.Object({ distributions: Type.Array(Mapping) }), ...errorResponses } } },
    async () => ({ distributions: await security.settings.releaseMap() }),
  );
  app.put(
    '/security/distributions/:name',
    {
      preHandler: requirePermission(auth, 'security:admin'),
      schema: {
        tags: ['security'],
        params: Type.Object({ name: Type.String({ maxLength: 100 }) }),
        body: Type.Object({ releases: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20 }) }),
        response: { 200: Mapping, ...errorResponses },
      },
    },
    async (req) => {
      await security.setReleases(req.actor!, req.params.name, req.body.releases);
      return (await security.settings.releaseMap()).find((m) => m.distribution === req.params.name)!;
    },
  );
};
