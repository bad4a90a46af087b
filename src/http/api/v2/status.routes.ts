import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { type V2AuthDeps, v2Auth } from './v2-auth.js';
import { v2ErrorResponses, V2_NOTE } from './v2-envelope.js';

/** GET /api/v2/status: 200 (Repomanager answered 201 with "200" in the body). Credentials optional, checked when given. */
export const v2StatusRoutes: FastifyPluginAsyncTypebox<{ v2: V2AuthDeps }> = async (app, { v2 }) => {
  app.get(
    '/status',
    {
      preHandler: v2Auth(v2, { apiKey: 'host:read', host: true, optional: true }),
      schema: {
        summary: 'API v2 liveness',
        tags: ['v2'],
        response: { 200: Type.Object({ rc: Type.Integer(), return: Type.Integer(), status: Type.String(), note: Type.String() }), ...v2ErrorResponses },
      },
    },
    async () => ({ rc: 200, return: 200, status: 'OK', note: V2_NOTE }),
  );
};
