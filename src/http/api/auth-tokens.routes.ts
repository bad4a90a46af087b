import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ApiTokensService } from '../../auth/api-tokens.service.js';
import type { AuthService } from '../../auth/auth.service.js';
import { requirePermission } from '../plugins/auth.js';
import { ApiTokenSchema, RoleSchema, Username } from '../schemas/accounts.js';
import { errorResponses } from '../schemas/common.js';

/**
 * API tokens for CI. Everyone manages their own (with a role no higher than theirs); admins create tokens for
 * others and see and revoke everyone's — the service decides per object.
 */
export const authTokenRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; apiTokens: ApiTokensService }> = async (app, { auth, apiTokens }) => {
  const self = requirePermission(auth, 'token:self');
  const tags = ['auth'];

  app.post(
    '/auth/api-tokens',
    {
      preHandler: self,
      schema: {
        summary: 'Create an API token; the token is in this answer only',
        tags,
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 100 }),
          role: Type.Optional(RoleSchema),
          expires_days: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
          username: Type.Optional(Username),
        }),
        response: { 201: Type.Intersect([ApiTokenSchema, Type.Object({ token: Type.String(), message: Type.String() })]), ...errorResponses },
      },
    },
    async (req, reply) => reply.status(201).send(await apiTokens.create(req.principal!, req.body)),
  );

  app.get(
    '/auth/api-tokens',
    { preHandler: self, schema: { summary: 'API tokens (admins: all; others: their own)', tags, response: { 200: Type.Object({ tokens: Type.Array(ApiTokenSchema) }), ...errorResponses } } },
    async (req) => ({ tokens: await apiTokens.list(req.actor!) }),
  );

  app.delete(
    '/auth/api-tokens/:id',
    {
      preHandler: self,
      schema: { summary: 'Revoke an API token', tags, params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Type.Object({ status: Type.Literal('revoked') }), ...errorResponses } },
    },
    async (req) => {
      await apiTokens.revoke(req.actor!, req.params.id);
      return { status: 'revoked' as const };
    },
  );
};
