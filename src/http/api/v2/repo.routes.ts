import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import type { RepoEnvironments } from '../../../repo/environment.wiring.js';
import type { RepositoriesStore } from '../../../store/sql/repositories.store.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';
import { SnapshotV2, snapshotV2 } from './v2-shapes.js';

const RepoV2 = Type.Object({ Id: Type.Integer(), Name: Type.String(), Releasever: Type.String(), Dist: Type.String(), Section: Type.String(), Source: Type.String(), Package_type: Type.String() });

/** GET /repo and /repo/<id>: repositories, and a repository's snapshots (newest first) with their environments. */
export const repoV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; envs: RepoEnvironments; repositories: RepositoriesStore }> = async (app, { v2, envs, repositories }) => {
  const tags = ['api v2'];
  const read = v2Permission(v2, 'package:read');
  app.get('/repo', { preHandler: read, schema: { tags, response: { 200: V2Results(Type.Array(RepoV2)), ...v2ErrorResponses } } }, async () =>
    v2Results((await repositories.list()).map((r) => ({
        Id: r.id,
        Name: r.name,
        Releasever: r.format === 'rpm' ? r.name : '',
        Dist: r.format === 'deb' ? r.name : '',
        Section: r.format === 'deb' ? r.components.join(',') : '',
        Source: r.kind === 'mirror' ? r.origin : '',
        Package_type: r.format,
      })),
    ),
  );
  app.get(
    '/repo/:id',
    {
      preHandler: read,
      schema: { tags, params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: V2Results(Type.Array(Type.Intersect([SnapshotV2, Type.Object({ Environments: Type.String() })]))), ...v2ErrorResponses } },
    },
    async (req) => {
      const repo = await repositories.getById(req.params.id);
      if (!repo) throw new AppError('NOT_FOUND', `no repository ${req.params.id}`);
      const pointers = await envs.environments.ofRepository(repo);
      const snaps = await envs.snapshots.list(repo);
      return v2Results(snaps.map((s) => ({ ...snapshotV2(s, repo), Environments: pointers.filter((p) => p.snapshot === s.number).map((p) => p.environment).join(',') })),
      );
    },
  );
};
