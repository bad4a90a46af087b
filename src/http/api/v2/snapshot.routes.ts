import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { RepoEnvironments } from '../../../repo/environment.wiring.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';
import { baseUrlOf, PackageV2, packageV2, SnapshotV2, snapshotV2 } from './v2-shapes.js';

const Id = Type.Integer({ minimum: 1 });

/** Snapshot reads. `<id>` is the global snapshot id (snapshots.id), unique across repositories. */
export const snapshotV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; envs: RepoEnvironments; publicUrl: string }> = async (app, { v2, envs, publicUrl }) => {
  const tags = ['api v2'];
  const read = v2Permission(v2, 'package:read');
  app.get('/snapshot/:id', { preHandler: read, schema: { tags, params: Type.Object({ id: Id }), response: { 200: V2Results(SnapshotV2), ...v2ErrorResponses } } }, async (req) => {
    const { snapshot, repo } = await envs.snapshots.byId(req.params.id);
    return v2Results(snapshotV2(snapshot, repo));
  });
  app.get(
    '/snapshot/:id/packages',
    { preHandler: read, schema: { tags, params: Type.Object({ id: Id }), response: { 200: V2Results(Type.Array(PackageV2)), ...v2ErrorResponses } } },
    async (req) => {
      const ref = await envs.snapshots.byId(req.params.id);
      const base = baseUrlOf(req, publicUrl);
      return v2Results((await envs.snapshots.packages(ref)).map((p) => packageV2(p, ref.repo, base)));
    },
  );
  app.get(
    '/snapshot/:id1/diff/:id2',
    {
      preHandler: read,
      schema: { tags, params: Type.Object({ id1: Id, id2: Id }), response: { 200: V2Results(Type.Object({ added: Type.Array(PackageV2), removed: Type.Array(PackageV2) })), ...v2ErrorResponses } },
    },
    async (req) => {
      const a = await envs.snapshots.byId(req.params.id1);
      const b = await envs.snapshots.byId(req.params.id2);
      const d = await envs.snapshots.diff(a, b);
      const base = baseUrlOf(req, publicUrl);
      return v2Results({ added: d.added.map((p) => packageV2(p, b.repo, base)), removed: d.removed.map((p) => packageV2(p, a.repo, base)) });
    },
  );
};
