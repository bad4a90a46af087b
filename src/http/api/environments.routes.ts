import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { EnvironmentService, RepositoryEnvironment } from '../../repo/environment.service.js';
import type { Environment } from '../../store/sql/environments.store.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const EnvBody = Type.Object({ name: Type.String(), color: Type.String(), description: Type.String(), created_at: Type.String() });
const PointerBody = Type.Object({
  environment: Type.String(),
  color: Type.String(),
  snapshot: Type.Integer(),
  snapshot_id: Type.Union([Type.Integer(), Type.Null()]),
  publication_id: Type.Integer(),
  updated_at: Type.String(),
  updated_by: Type.String(),
});
const Name = Type.Object({ name: Type.String({ maxLength: 64 }) });
const Color = Type.String({ maxLength: 32 });
const Description = Type.String({ maxLength: 500 });

const env = (e: Environment) => ({ name: e.name, color: e.color, description: e.description, created_at: e.createdAt });
const pointer = (p: RepositoryEnvironment) => ({
  environment: p.environment,
  color: p.color,
  snapshot: p.snapshot,
  snapshot_id: p.snapshotId,
  publication_id: p.publicationId,
  updated_at: p.updatedAt,
  updated_by: p.updatedBy,
});

/** Environments (admin-defined) and each repository's environment pointers. */
export const environmentsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; environments: EnvironmentService }> = async (app, { auth, environments }) => {
  const tags = ['environments'];
  app.get('/environments', { preHandler: requirePermission(auth, 'package:read'), schema: { tags, response: { 200: Type.Array(EnvBody), ...errorResponses } } }, async () =>
    (await environments.list()).map(env),
  );
  app.post(
    '/environments',
    {
      preHandler: requirePermission(auth, 'environment:admin'),
      schema: { tags, body: Type.Object({ name: Type.String({ maxLength: 64 }), color: Type.Optional(Color), description: Type.Optional(Description) }), response: { 201: EnvBody, ...errorResponses } },
    },
    async (req, reply) => reply.status(201).send(env(await environments.create(req.actor!, req.body))),
  );
  app.patch(
    '/environments/:name',
    {
      preHandler: requirePermission(auth, 'environment:admin'),
      schema: { tags, params: Name, body: Type.Object({ color: Type.Optional(Color), description: Type.Optional(Description) }), response: { 200: EnvBody, ...errorResponses } },
    },
    async (req) => env(await environments.update(req.actor!, req.params.name, req.body)),
  );
  app.delete('/environments/:name', { preHandler: requirePermission(auth, 'environment:admin'), schema: { tags, params: Name, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await environments.delete(req.actor!, req.params.name);
    return reply.status(204).send(null);
  });
  app.get(
    '/repositories/:name/environments',
    { preHandler: requirePermission(auth, 'package:read'), schema: { tags, params: Name, response: { 200: Type.Array(PointerBody), ...errorResponses } } },
    async (req) => (await environments.ofRepository(await environments.repository(req.params.name))).map(pointer),
  );
  app.put(
    '/repositories/:name/environments/:env',
    {
      preHandler: requirePermission(auth, 'package:promote'),
      schema: {
        summary: 'Point an environment of the repository at one of its snapshots (atomic, audited)',
        tags,
        params: Type.Object({ name: Type.String({ maxLength: 64 }), env: Type.String({ maxLength: 64 }) }),
        body: Type.Object({ snapshot: Type.Integer({ minimum: 1 }) }),
        response: { 200: PointerBody, ...errorResponses },
      },
    },
    async (req) => pointer(await environments.point(req.actor!, await environments.repository(req.params.name), req.params.env, req.body.snapshot)),
  );
};
