import multipart from '@fastify/multipart';
import websocket from '@fastify/websocket';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Container } from './container.js';
import { auditRoutes } from './http/api/audit.routes.js';
import { authTokenRoutes } from './http/api/auth-tokens.routes.js';
import { authUserRoutes } from './http/api/auth-users.routes.js';
import { authRoutes } from './http/api/auth.routes.js';
import { environmentsRoutes } from './http/api/environments.routes.js';
import { profilesRoutes } from './http/api/profiles.routes.js';
import { snapshotsRoutes } from './http/api/snapshots.routes.js';
import { repoApiV2 } from './http/api/v2/repo-api.routes.js';
import { packyardV2Auth } from './http/api/v2/v2-auth.repo.js';
import { apiKeyRoutes } from './http/api/api-key.routes.js';
import { exposureRoutes } from './http/api/exposure.routes.js';
import { hostsRequestsRoutes } from './http/api/hosts-requests.routes.js';
import { healthRoutes } from './http/api/health.routes.js';
import { jobsRoutes } from './http/api/jobs.routes.js';
import { sbomRoutes } from './http/api/sbom.routes.js';
import { vexRoutes } from './http/api/vex.routes.js';
import { artifactsRoutes } from './http/api/artifacts.routes.js';
import { distributionsRoutes } from './http/api/distributions.routes.js';
import { packagesRoutes } from './http/api/packages.routes.js';
import { promoteRoutes } from './http/api/promote.routes.js';
import { metricsRoutes } from './http/api/metrics.routes.js';
import { securityDecideRoutes } from './http/api/security-decide.routes.js';
import { securityFeedsRoutes } from './http/api/security-feeds.routes.js';
import { securityPolicyRoutes } from './http/api/security-policy.routes.js';
import { securityRoutes } from './http/api/security.routes.js';
import { uploadBatchRoutes } from './http/api/upload-batch.routes.js';
import { uploadRoutes } from './http/api/upload.routes.js';
import { registerRouteCatalogue } from './http/plugins/auth.js';
import { agentWsRoutes } from './http/api/v2/agent-ws.routes.js';
import { hostsV2Routes } from './http/api/v2/hosts-v2.routes.js';
import { registerErrorHandler } from './http/plugins/errors.js';
import { repoEnvRoutes } from './http/serve/repo-env.routes.js';
import { registerOperations } from './http/plugins/operations.js';
import { reposRoutes } from './http/serve/repos.routes.js';

/** Builds the HTTP application without listening (tests use app.inject()). */
export async function buildApp(c: Container): Promise<FastifyInstance> {
  const app = Fastify({
    // pino's Logger is a FastifyBaseLogger; the cast keeps the instance type the default one.
    loggerInstance: c.logger as FastifyBaseLogger,
    genReqId: (req) => (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].length <= 128 ? req.headers['x-request-id'] : crypto.randomUUID()),
    requestIdHeader: false,
    trustProxy: c.config.trustProxy,
    bodyLimit: 1024 * 1024,
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.addHook('onSend', async (req, reply) => {
    reply.header('X-Request-Id', req.id);
  });
  registerErrorHandler(app);
  registerRouteCatalogue(app);
  // Before any route: headers, metrics, rate limits and the OpenAPI document attach to routes as they register.
  await registerOperations(app, c);
  await app.register(multipart, { limits: { fileSize: c.config.maxUploadBytes + 1 } });

  const api = async (scope: FastifyInstance) => {
    await scope.register(authRoutes, { auth: c.auth });
    await scope.register(jobsRoutes, { auth: c.auth, jobs: c.jobs, store: c.stores.jobs });
    await scope.register(authUserRoutes, { auth: c.auth, users: c.users });
    await scope.register(authTokenRoutes, { auth: c.auth, apiTokens: c.apiTokens });
    await scope.register(auditRoutes, { auth: c.auth, audit: c.audit });
    await scope.register(uploadRoutes, { auth: c.auth, ingest: c.ingest, maxUploadBytes: c.config.maxUploadBytes });
    await scope.register(uploadBatchRoutes, { auth: c.auth, ingest: c.ingest, repositories: c.stores.repositories, maxUploadBytes: c.config.maxUploadBytes });
    await scope.register(sbomRoutes, { auth: c.auth, sbom: c.sbomExport, publicUrl: c.config.publicUrl });
    await scope.register(vexRoutes, { auth: c.auth, vex: c.vexExport, publicUrl: c.config.publicUrl });
    await scope.register(packagesRoutes, { auth: c.auth, catalog: c.catalog });
    await scope.register(artifactsRoutes, { auth: c.auth, catalog: c.catalog, removal: c.removal });
    await scope.register(distributionsRoutes, { auth: c.auth, distributions: c.distributions });
    await scope.register(promoteRoutes, { auth: c.auth, promotion: c.promotion });
    await scope.register(securityRoutes, { auth: c.auth, security: c.security });
    await scope.register(securityDecideRoutes, { auth: c.auth, security: c.security });
    await scope.register(securityFeedsRoutes, { auth: c.auth, security: c.security, jobs: c.jobs });
    await scope.register(securityPolicyRoutes, { auth: c.auth, security: c.security });
    await scope.register(apiKeyRoutes, { auth: c.auth, apiKeys: c.hosts.apiKeys });
  };
  // Repod documents every route both without a prefix and under /api/v1.
  await app.register(api);
  await app.register(api, { prefix: '/api/v1' });
  await app.register(healthRoutes, { health: c.ops.health });
  await app.register(metricsRoutes, { metrics: c.ops.metrics, token: c.config.metricsToken });
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
  await app.register(
    async (v1) => {
      await v1.register(environmentsRoutes, { auth: c.auth, environments: c.envs.environments });
      await v1.register(snapshotsRoutes, { auth: c.auth, environments: c.envs.environments, snapshots: c.envs.snapshots, jobs: c.jobs });
      await v1.register(profilesRoutes, { auth: c.auth, profiles: c.envs.profiles });
    },
    { prefix: '/api/v1' },
  );
  await app.register(repoApiV2, { prefix: '/api/v2', v2: packyardV2Auth({ auth: c.auth, apiKeys: c.hosts.apiKeys, hosts: c.hosts.registry }), envs: c.envs, jobs: c.jobs, jobsStore: c.stores.jobs, repositories: c.stores.repositories, publicUrl: c.config.publicUrl, maxUploadBytes: c.config.maxUploadBytes });
  await app.register(repoEnvRoutes, { serve: c.envs.serve, blobs: c.blobs });
  return app;
}
