import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../core/errors.js';
import type { EnvironmentServeService } from '../../repo/environment-serve.service.js';
import type { BlobStore } from '../../store/blobs/blob-store.js';
import { sendServable } from './send-servable.js';

const Seg = Type.String({ maxLength: 128 });

/** Repomanager-style serving, per repository and environment (`current` included). Unauthenticated. */
export const repoEnvRoutes: FastifyPluginAsyncTypebox<{ serve: EnvironmentServeService; blobs: BlobStore }> = async (app, { serve, blobs }) => {
  app.get(
    '/repo/deb/:name/:dist/:component/:env/*',
    {
      schema: {
        summary: 'APT archive root of a repository environment (dists/<dist>/..., pool/...)',
        tags: ['serving'],
        params: Type.Object({ name: Seg, dist: Seg, component: Seg, env: Seg, '*': Type.String({ maxLength: 1024 }) }),
        produces: ['application/octet-stream'],
      },
    },
    async (req, reply) => {
      const p = req.params;
      const file = await serve.deb(p.name, p.dist, p.component, p.env, p['*']);
      if (!file) throw new AppError('NOT_FOUND', `no such repository file: ${req.url.split('?')[0]}`);
      return sendServable(req, reply, file, blobs);
    },
  );
  app.get(
    '/repo/rpm/:name/:releasever/:env/*',
    {
      schema: {
        summary: 'DNF tree of a repository environment (<arch>/repodata/..., <arch>/Packages/...)',
        tags: ['serving'],
        params: Type.Object({ name: Seg, releasever: Seg, env: Seg, '*': Type.String({ maxLength: 1024 }) }),
        produces: ['application/octet-stream'],
      },
    },
    async (req, reply) => {
      const p = req.params;
      const file = await serve.rpm(p.name, p.releasever, p.env, p['*']);
      if (!file) throw new AppError('NOT_FOUND', `no such repository file: ${req.url.split('?')[0]}`);
      return sendServable(req, reply, file, blobs);
    },
  );
};
