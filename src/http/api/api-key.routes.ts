import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { ApiKeyService } from '../../hosts/api-key.service.js';
import { requirePermission } from '../plugins/auth.js';
import { ErrorBody } from '../schemas/common.js';

/** POST /auth/api-key: a new Repomanager-API key for the caller, shown once; the previous key stops working. */
export const apiKeyRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; apiKeys: ApiKeyService }> = async (app, { auth, apiKeys }) => {
  app.post(
    '/auth/api-key',
    {
      preHandler: requirePermission(auth, 'token:self'),
      schema: {
        summary: 'Generate your API key for /api/v2 (replaces the previous one)',
        tags: ['auth'],
        response: { 201: Type.Object({ api_key: Type.String() }), 401: ErrorBody, 403: ErrorBody },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return { api_key: await apiKeys.generate(req.actor!) };
    },
  );
};
