import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { HealthService } from '../../ops/health.service.js';

const Check = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('warn'), Type.Literal('fail')]),
  critical: Type.Boolean(),
  latency_ms: Type.Number(),
  detail: Type.Optional(Type.String()),
});

const Health = Type.Object({
  status: Type.Union([Type.Literal('healthy'), Type.Literal('degraded'), Type.Literal('unhealthy')]),
  version: Type.String(),
  timestamp: Type.String(),
  checks: Type.Object({ database: Check, blob_store: Check, signing_key: Check, disk_space: Check }),
});

const Ready = Type.Object({
  ready: Type.Boolean(),
  timestamp: Type.String(),
  checks: Type.Object({ database: Check, blob_store: Check }),
  failing: Type.Optional(Type.Array(Type.String())),
});

/** Public probes, unprefixed as in Repod (its /health* routes are the only ones outside /api/v1). */
export const healthRoutes: FastifyPluginAsyncTypebox<{ health: HealthService }> = async (app, { health }) => {
  app.addHook('onSend', async (_req, reply) => {
    reply.header('Cache-Control', 'no-store');
  });

  app.get(
    '/health',
    {
      schema: {
        summary: 'Full health report; 503 only when a critical check (database, blob store) fails',
        tags: ['health'],
        response: { 200: Health, 503: Health },
      },
    },
    async (_req, reply) => {
      const report = await health.health();
      return reply.status(report.status === 'unhealthy' ? 503 : 200).send(report);
    },
  );

  app.get(
    '/health/live',
    {
      schema: {
        summary: 'Liveness probe: the process answers',
        tags: ['health'],
        response: { 200: Type.Object({ status: Type.Literal('alive'), alive: Type.Literal(true), timestamp: Type.String() }) },
      },
    },
    async () => ({ status: 'alive' as const, alive: true as const, timestamp: new Date().toISOString() }),
  );

  app.get(
    '/health/ready',
    {
      schema: {
        summary: 'Readiness probe: 503 while the database or the blob store is unreachable',
        tags: ['health'],
        response: { 200: Ready, 503: Ready },
      },
    },
    async (_req, reply) => {
      const report = await health.readiness();
      return reply.status(report.ready ? 200 : 503).send(report);
    },
  );
};
