import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from './container.js';
import { apiKeyRoutes } from './http/api/api-key.routes.js';
import { authRoutes } from './http/api/auth.routes.js';
import { exposureRoutes } from './http/api/exposure.routes.js';
import { hostsRequestsRoutes } from './http/api/hosts-requests.routes.js';
import { healthRoutes } from './http/api/health.routes.js';
import { jobsRoutes } from './http/api/jobs.routes.js';
import { uploadRoutes } from './http/api/upload.routes.js';
import { agentWsRoutes } from './http/api/v2/agent-ws.routes.js';
import { hostsV2Routes } from './http/api/v2/hosts-v2.routes.js';
import { registerErrorHandler } from './http/plugins/errors.js';
import { reposRoutes } from './http/serve/repos.routes.js';

/** Builds the HTTP application without listening (tests use app.inject()). */
export async function buildApp(c: Container): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: c.logger as FastifyBaseLogger,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 128 ? req.headers['x-request-id'] : crypto.randomUUID()),
    requestIdHeader: false,
    trustProxy: false,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onSend', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
  });
  registerErrorHandler(app);
  await app.register(multipart, { limits: { fileSize: c.config.maxUploadBytes + 1 } });

  const api = async (scope: FastifyInstance) => {
    await scope.register(authRoutes, { auth: c.auth });
    await scope.register(jobsRoutes, { auth: c.auth, jobs: c.jobs, store: c.stores.jobs });
    await scope.register(uploadRoutes, { auth: c.auth, ingest: c.ingest, maxUploadBytes: c.config.maxUploadBytes });
    await scope.register(apiKeyRoutes, { auth: c.auth, apiKeys: c.hosts.apiKeys });
  };
  // Repod documents every route both without a prefix and under /api/v1.
  await app.register(api);
  await app.register(api, { prefix: '/api/v1' });
  await app.register(healthRoutes);
  // Native host routes exist only under /api/v1 (they are not Repod routes).
  await app.register(async (v1) => {
    await v1.register(hostsRequestsRoutes, { auth: c.auth, requests: c.hosts.requests });
    await v1.register(exposureRoutes, { auth: c.auth, exposure: c.hosts.exposure });
  }, { prefix: '/api/v1' });
  const v2 = { apiKeys: c.hosts.apiKeys, hosts: c.hosts.registry };
  await app.register(hostsV2Routes, { prefix: '/api/v2', v2, hosts: c.hosts.registry, inventory: c.hosts.inventory });
  await app.register(websocket, { options: { maxPayload: 8 * 1024 * 1024 } });
  await app.register(agentWsRoutes, {
    session: { hosts: c.hosts.registry, hostsStore: c.stores.hosts, requests: c.hosts.requests, hub: c.hosts.hub, clock: c.clock, logger: c.logger },
  });
  await app.register(reposRoutes, { serve: c.serve, blobs: c.blobs });
  return app;
}
