import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import type { OpsMetrics } from '../../ops/metrics.js';
import { ErrorBody } from '../schemas/common.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Prometheus scrape endpoint, unprefixed as in Repod. With METRICS_TOKEN set it requires exactly that
 * Bearer token; without it it is open, because Prometheus scrapes with a static credential or none and a
 * user's JWT (metrics:read) would expire under it. Set METRICS_TOKEN on any server reachable by untrusted
 * clients: the series name distributions and package counts.
 */
export const metricsRoutes: FastifyPluginAsyncTypebox<{ metrics: OpsMetrics; token: string }> = async (app, { metrics, token }) => {
  const expected = token ? digest(token) : undefined;
  app.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus metrics (text exposition format)',
        tags: ['operations'],
        response: {
          200: { description: 'Prometheus text exposition format 0.0.4', content: { 'text/plain': { schema: Type.String() } } },
          401: ErrorBody,
        },
      },
      preHandler: async (req) => {
        if (!expected) return;
        const header = req.headers.authorization;
        if (!header) throw new AppError('AUTH_REQUIRED', 'this server requires the metrics token: Authorization: Bearer <METRICS_TOKEN>');
        const match = /^Bearer\s+(\S+)$/i.exec(header);
        if (!match || !timingSafeEqual(digest(match[1]), expected)) throw new AppError('AUTH_INVALID', 'wrong metrics token');
      },
    },
    async (_req, reply) => {
      const { contentType, body } = await metrics.render();
      return reply.type(contentType).header('Cache-Control', 'no-store').send(body);
    },
  );
};
