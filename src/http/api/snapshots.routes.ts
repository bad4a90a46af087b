import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { JobService } from '../../jobs/job.service.js';
import type { EnvironmentService } from '../../repo/environment.service.js';
import { GC_JOB } from '../../repo/gc.service.js';
import type { SnapshotService } from '../../repo/snapshot.service.js';
import type { SnapshotPackage } from '../../store/sql/snapshot-content.store.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const SnapshotBody = Type.Object({
  id: Type.Integer(),
  number: Type.Integer(),
  created_at: Type.String(),
  reason: Type.String(),
  actor: Type.String(),
  environments: Type.Array(Type.String()),
});
const PackageBody = Type.Object({ name: Type.String(), version: Type.String(), arch: Type.String(), component: Type.String(), filename: Type.String(), size: Type.Integer(), sha256: Type.String() });
const pkg = (p: SnapshotPackage) => ({ name: p.name, version: p.version, arch: p.arch, component: p.component, filename: p.filename, size: p.size, sha256: p.sha256 });
const Name = Type.String({ maxLength: 64 });
const Num = Type.Integer({ minimum: 1 });

/** A repository's snapshots (numbered per repository; `id` is the global id API v2 uses), contents and diffs. */
export const snapshotsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; environments: EnvironmentService; snapshots: SnapshotService; jobs: JobService }> = async (
  app,
  { auth, environments, snapshots, jobs },
) => {
  const tags = ['snapshots'];
  const read = requirePermission(auth, 'package:read');
  app.get('/repositories/:name/snapshots', { preHandler: read, schema: { tags, params: Type.Object({ name: Name }), response: { 200: Type.Array(SnapshotBody), ...errorResponses } } }, async (req) => {
    const repo = await environments.repository(req.params.name);
    const pointers = await environments.ofRepository(repo);
    return (await snapshots.list(repo)).map((s) => ({
      id: s.id,
      number: s.number,
      created_at: s.createdAt,
      reason: s.reason,
      actor: s.actor,
      environments: pointers.filter((p) => p.snapshot === s.number).map((p) => p.environment),
    }));
  });
  app.get(
    '/repositories/:name/snapshots/:number/packages',
    { preHandler: read, schema: { tags, params: Type.Object({ name: Name, number: Num }), response: { 200: Type.Array(PackageBody), ...errorResponses } } },
    async (req) => (await snapshots.packages(await snapshots.byNumber(await environments.repository(req.params.name), req.params.number))).map(pkg),
  );
  app.get(
    '/repositories/:name/snapshots/:from/diff/:to',
    {
      preHandler: read,
      schema: { tags, params: Type.Object({ name: Name, from: Num, to: Num }), response: { 200: Type.Object({ added: Type.Array(PackageBody), removed: Type.Array(PackageBody) }), ...errorResponses } },
    },
    async (req) => {
      const repo = await environments.repository(req.params.name);
      const d = await snapshots.diff(await snapshots.byNumber(repo, req.params.from), await snapshots.byNumber(repo, req.params.to));
      return { added: d.added.map(pkg), removed: d.removed.map(pkg) };
    },
  );
  app.post(
    '/snapshots/retention',
    {
      preHandler: requirePermission(auth, 'settings:admin'),
      schema: { summary: 'Apply snapshot retention and collect garbage (a job)', tags, response: { 202: Type.Object({ job_id: Type.Integer() }), ...errorResponses } },
    },
    async (req, reply) => {
      const a = req.actor!;
      const id = await jobs.enqueue(GC_JOB, { actor: { username: a.username, role: a.role, ip: a.ip ?? '' } }, { createdBy: a.username, lockKey: 'gc' });
      return reply.status(202).send({ job_id: id });
    },
  );
};
