import multipart from '@fastify/multipart';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from './container.js';
import { authRoutes } from './http/api/auth.routes.js';
import { healthRoutes } from './http/api/health.routes.js';
import { jobsRoutes } from './http/api/jobs.routes.js';
import { securityDecideRoutes } from './http/api/security-decide.routes.js';
import { securityFeedsRoutes } from './http/api/security-feeds.routes.js';
import { securityPolicyRoutes } from './http/api/security-policy.routes.js';
import { securityRoutes } from './http/api/security.routes.js';
import { uploadRoutes } from './http/api/upload.routes.js';
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
    await scope.register(securityRoutes, { auth: c.auth, security: c.security });
    await scope.register(securityDecideRoutes, { auth: c.auth, security: c.security });
    await scope.register(securityFeedsRoutes, { auth: c.auth, security: c.security, jobs: c.jobs });
    await scope.register(securityPolicyRoutes, { auth: c.auth, security: c.security });
  };
  // Repod documents every route both without a prefix and under /api/v1.
  await app.register(api);
  await app.register(api, { prefix: '/api/v1' });
  await app.register(healthRoutes);
  await app.register(reposRoutes, { serve: c.serve, blobs: c.blobs });
  return app;
}
