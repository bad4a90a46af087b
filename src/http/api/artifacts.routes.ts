import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { CatalogService } from '../../content/catalog.service.js';
import type { RemovalService } from '../../content/removal.service.js';
import { requirePermission } from '../plugins/auth.js';
import { ArtifactDetail, Format, RemovalResponse, VersionsResponse } from '../schemas/catalog.schemas.js';
import { errorResponses } from '../schemas/common.js';

const Name = Type.String({ minLength: 1, maxLength: 200 });
const Version = Type.String({ minLength: 1, maxLength: 200 });
const Narrow = Type.Object({
  distribution: Type.Optional(Type.String({ maxLength: 64 })),
  arch: Type.Optional(Type.String({ maxLength: 32 })),
  format: Type.Optional(Format),
});

/** One artifact: detail, versions, file download, and deletion (as new snapshots). */
export const artifactsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; catalog: CatalogService; removal: RemovalService }> = async (
  app,
  { auth, catalog, removal },
) => {
  const read = requirePermission(auth, 'package:read');
  const del = requirePermission(auth, 'package:delete');

  app.get(
    '/artifacts/:name',
    {
      preHandler: read,
      schema: {
        summary: 'One artifact: newest version, distributions, history',
        tags: ['packages'],
        params: Type.Object({ name: Name }),
        querystring: Type.Object({ format: Type.Optional(Format) }),
        response: { 200: ArtifactDetail, ...errorResponses },
      },
    },
    async (req) => catalog.artifact(req.params.name, req.query),
  );

  app.get(
    '/artifacts/:name/versions',
    {
      preHandler: read,
      schema: {
        summary: 'Versions of an artifact, newest first (dpkg/rpm ordering)',
        tags: ['packages'],
        params: Type.Object({ name: Name }),
        querystring: Type.Object({ format: Type.Optional(Format), distribution: Type.Optional(Type.String({ maxLength: 64 })) }),
        response: { 200: VersionsResponse, ...errorResponses },
      },
    },
    async (req) => catalog.versions(req.params.name, req.query),
  );

  app.get(
    '/artifacts/:name/versions/:version/download',
    {
      preHandler: read,
      schema: {
        summary: 'Download the package file of one version (?distribution= / ?arch= when several files match)',
        tags: ['packages'],
        params: Type.Object({ name: Name, version: Version }),
        querystring: Narrow,
        produces: ['application/vnd.debian.binary-package', 'application/x-rpm'],
        response: { 200: Type.Unsafe<unknown>({ type: 'string', format: 'binary' }), ...errorResponses },
      },
    },
    async (req, reply) => {
      const file = await catalog.download(req.params.name, req.params.version, req.query);
      reply.type(file.contentType);
      reply.header('Content-Length', String(file.size));
      reply.header('Content-Disposition', `attachment; filename="${file.filename.replace(/["\\\r\n]/g, '_')}"`);
      reply.header('ETag', `"${file.sha256}"`);
      return reply.send(file.body);
    },
  );

  app.delete(
    '/artifacts/:name',
    {
      preHandler: del,
      schema: {
        summary: 'Remove every version of a package (from one distribution with ?distribution=) as new snapshots',
        tags: ['packages'],
        params: Type.Object({ name: Name }),
        querystring: Narrow,
        response: { 200: RemovalResponse, ...errorResponses },
      },
    },
    async (req) => removal.remove(req.actor!, { name: req.params.name, ...req.query }),
  );

  app.delete(
    '/artifacts/:name/:version',
    {
      preHandler: del,
      schema: {
        summary: 'Remove one version of a package as new snapshots of the affected distributions',
        tags: ['packages'],
        params: Type.Object({ name: Name, version: Version }),
        querystring: Narrow,
        response: { 200: RemovalResponse, ...errorResponses },
      },
    },
    async (req) => removal.remove(req.actor!, { name: req.params.name, version: req.params.version, ...req.query }),
  );
};
