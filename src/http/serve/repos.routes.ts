import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import type { ServeService } from '../../repo/serve.service.js';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import { sendServable } from './send-servable.js';

/**
 * The serving plane for apt and dnf: GET/HEAD with ETag (the SHA-256), Last-Modified, conditional
 * requests and single byte ranges (src/http/serve/send-servable.ts). Unauthenticated, like a plain archive mirror.
 */
export const reposRoutes: FastifyPluginAsyncTypebox<{ serve: ServeService; blobs: BlobStore }> = async (app, { serve, blobs }) => {
  app.get(
    '/repos/*',
    {
      schema: {
        summary: 'Repository files (APT dists/pool, DNF trees, public key)',
        tags: ['serving'],
        params: Type.Object({ '*': Type.String({ maxLength: 1024 }) }),
        produces: ['application/octet-stream'],
      },
    },
    async (req, reply) => {
      const file = await serve.resolve(req.params['*']);
      if (!file) throw new AppError('NOT_FOUND', `no such repository file: /repos/${req.params['*']}`);
      return sendServable(req, reply, file, blobs);
    },
  );
};
