import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { PromotionResult, PromotionService } from '../../repo/promotion.service.js';
import { requirePermission } from '../plugins/auth.js';
import { ArtifactPromoteBody, DistributionPromoteBody, PromotionResponse } from '../schemas/catalog.schemas.js';
import { errorResponses } from '../schemas/common.js';

/**
 * Repod's two promotion routes, with one behaviour: both ask the security gate (Repod's
 * /distributions/promote did not). 200 promoted or already present, 202 pending review, 409 blocked.
 * Each keeps its own success word: "ok" (/distributions/promote) and "approved" (/artifacts/{name}/promote).
 */
function answer(result: PromotionResult, promoted: 'ok' | 'approved') {
  return {
    code: result.status === 'pending_review' ? (202 as const) : (200 as const),
    body: { ...result, status: result.status === 'promoted' ? promoted : result.status, from: result.from_dist, to: result.to_dist },
  };
}

const responses = { 200: PromotionResponse, 202: PromotionResponse, ...errorResponses };

export const promoteRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; promotion: PromotionService }> = async (app, { auth, promotion }) => {
  const preHandler = requirePermission(auth, 'package:promote');

  app.post(
    '/distributions/promote',
    { preHandler, schema: { summary: 'Promote a package (newest version unless given) between distributions of one format', tags: ['distributions'], body: DistributionPromoteBody, response: responses } },
    async (req, reply) => {
      const { code, body } = answer(await promotion.promote(req.actor!, req.body), 'ok');
      return reply.status(code).send(body);
    },
  );

  app.post(
    '/artifacts/:name/promote',
    {
      preHandler,
      schema: {
        summary: 'Promote this artifact between distributions (same semantics as /distributions/promote)',
        tags: ['packages'],
        params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 200 }) }),
        body: ArtifactPromoteBody,
        response: responses,
      },
    },
    async (req, reply) => {
      const { code, body } = answer(await promotion.promote(req.actor!, { ...req.body, package: req.params.name }), 'approved');
      return reply.status(code).send(body);
    },
  );
};
