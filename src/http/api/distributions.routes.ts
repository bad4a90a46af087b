import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { DistributionService } from '../../repo/distribution.service.js';
import { requirePermission } from '../plugins/auth.js';
import { Distribution, DistributionCreate, DistributionPackages, DistributionPatch } from '../schemas/catalog.schemas.js';
import { errorResponses } from '../schemas/common.js';

const Codename = Type.Object({ codename: Type.String({ minLength: 1, maxLength: 64 }) });

/** Distributions are data: everyone reads them, admins create, change and delete them. */
export const distributionsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; distributions: DistributionService }> = async (
  app,
  { auth, distributions },
) => {
  const read = requirePermission(auth, 'distribution:read');
  const admin = requirePermission(auth, 'distribution:admin');

  app.get(
    '/distributions/',
    { preHandler: read, schema: { summary: 'List distributions with package counts', tags: ['distributions'], response: { 200: Type.Object({ distributions: Type.Array(Distribution) }), ...errorResponses } } },
    async () => ({ distributions: await distributions.list() }),
  );

  app.get(
    '/distributions/:codename',
    { preHandler: read, schema: { summary: 'One distribution', tags: ['distributions'], params: Codename, response: { 200: Distribution, ...errorResponses } } },
    async (req) => distributions.get(req.params.codename),
  );

  app.get(
    '/distributions/:codename/packages',
    { preHandler: read, schema: { summary: 'Packages currently in a distribution', tags: ['distributions'], params: Codename, response: { 200: DistributionPackages, ...errorResponses } } },
    async (req) => distributions.packages(req.params.codename),
  );

  app.post(
    '/distributions/',
    {
      preHandler: admin,
      schema: { summary: 'Create a distribution (published at once, signed and empty)', tags: ['distributions'], body: DistributionCreate, response: { 201: Distribution, ...errorResponses } },
    },
    async (req, reply) => reply.status(201).send(await distributions.create(req.actor!, req.body)),
  );

  app.patch(
    '/distributions/:codename',
    {
      preHandler: admin,
      schema: { summary: 'Change components, architectures, Origin, Label or description (republished)', tags: ['distributions'], params: Codename, body: DistributionPatch, response: { 200: Distribution, ...errorResponses } },
    },
    async (req) => distributions.update(req.actor!, req.params.codename, req.body),
  );

  app.delete(
    '/distributions/:codename',
    {
      preHandler: admin,
      schema: {
        summary: 'Delete a distribution and stop serving it (refused while it holds packages unless force=true)',
        tags: ['distributions'],
        params: Codename,
        querystring: Type.Object({ force: Type.Optional(Type.Boolean({ default: false })) }),
        response: { 200: Type.Object({ status: Type.Literal('deleted'), codename: Type.String(), packages_removed: Type.Integer() }), ...errorResponses },
      },
    },
    async (req) => distributions.remove(req.actor!, req.params.codename, req.query),
  );
};
