import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { CatalogService } from '../../content/catalog.service.js';
import { requirePermission } from '../plugins/auth.js';
import { ArtifactItem, CatalogQuery, PackageItem, pageOf } from '../schemas/catalog.schemas.js';
import { errorResponses } from '../schemas/common.js';

/** The two paginated listings: packages as members of distributions, and artifacts (one name, one format). */
export const packagesRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; catalog: CatalogService }> = async (app, { auth, catalog }) => {
  const preHandler = requirePermission(auth, 'package:read');

  app.get(
    '/packages/',
    {
      preHandler,
      schema: {
        summary: 'List packages in distributions (paginated; search q, filters distribution, format, arch, name)',
        tags: ['packages'],
        querystring: CatalogQuery,
        response: { 200: pageOf(PackageItem), ...errorResponses },
      },
    },
    async (req) => catalog.listPackages({ ...req.query, q: req.query.q ?? req.query.search }),
  );

  app.get(
    '/artifacts/',
    {
      preHandler,
      schema: {
        summary: 'List artifacts, one per package name and format (paginated; search q or search, filters)',
        tags: ['packages'],
        querystring: CatalogQuery,
        response: { 200: pageOf(ArtifactItem), ...errorResponses },
      },
    },
    async (req) => catalog.listArtifacts({ ...req.query, q: req.query.q ?? req.query.search }),
  );
};
