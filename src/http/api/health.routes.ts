import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/health/live',
    { schema: { summary: 'Liveness probe', tags: ['health'], response: { 200: Type.Object({ status: Type.Literal('alive') }) } } },
    async () => ({ status: 'alive' as const }),
  );
};
