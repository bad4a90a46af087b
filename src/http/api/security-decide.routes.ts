import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { decisionView, type SecurityService } from '../../security/security.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

/** Accepts Repod's documented body ({decision, justification}) and the richer one its code uses ({action, ...}). */
const DecideBody = Type.Object({
  decision: Type.Optional(Type.Union([Type.Literal('approve'), Type.Literal('reject')])),
  action: Type.Optional(Type.Union([Type.Literal('accept_risk'), Type.Literal('exception'), Type.Literal('reject'), Type.Literal('upgrade_required')])),
  justification: Type.Optional(Type.String({ maxLength: 4000 })),
  expires_in_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  target_version: Type.Optional(Type.String({ maxLength: 200 })),
  cve_ids: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), { maxItems: 1000 })),
  arch: Type.Optional(Type.String({ maxLength: 32 })),
  distribution: Type.Optional(Type.String({ maxLength: 100 })),
  assigned_to: Type.Optional(Type.String()),
  assigned_to_type: Type.Optional(Type.String()),
});

export const securityDecideRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; security: SecurityService }> = async (app, { auth, security }) => {
  app.post(
    '/security/packages/:name/:version/decide',
    {
      preHandler: requirePermission(auth, 'security:decide'),
      schema: {
        tags: ['security'],
        params: Type.Object({ name: Type.String({ maxLength: 200 }), version: Type.String({ maxLength: 200 }) }),
        body: DecideBody,
        response: {
          200: Type.Object({ status: Type.Literal('ok'), action: Type.String(), new_status: Type.String(), decision: Type.Object({}, { additionalProperties: true }), decisions: Type.Array(Type.Object({}, { additionalProperties: true })), message: Type.String() }),
          ...errorResponses,
        },
      },
    },
    async (req) => {
      const r = await security.decisions.decide(req.actor!, req.params.name, req.params.version, req.body);
      const views = r.decisions.map((d) => decisionView(d, new Date()));
      return { status: r.status, action: r.action, new_status: r.new_status, decision: views[0], decisions: views, message: r.message };
    },
  );
};
