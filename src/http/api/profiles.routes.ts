import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { ProfileService } from '../../repo/profile.service.js';
import type { Profile } from '../../store/sql/profiles.store.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const Names = Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 1000, default: [] });
const Member = Type.Object({ name: Type.String({ maxLength: 64 }), environment: Type.Optional(Type.String({ maxLength: 64 })) });
const ProfileWrite = Type.Object({
  repositories: Type.Array(Member, { maxItems: 200, default: [] }),
  package_exclude: Names,
  package_exclude_major: Names,
  service_reload: Names,
  service_restart: Names,
  notes: Type.String({ maxLength: 4000, default: '' }),
});
const ProfileBody = Type.Object({
  name: Type.String(),
  repositories: Type.Array(Type.Object({ name: Type.String(), format: Type.String(), environment: Type.String() })),
  package_exclude: Type.Array(Type.String()),
  package_exclude_major: Type.Array(Type.String()),
  service_reload: Type.Array(Type.String()),
  service_restart: Type.Array(Type.String()),
  notes: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
});
const Name = Type.Object({ name: Type.String({ maxLength: 64 }) });

const body = (p: Profile) => ({
  name: p.name,
  repositories: p.repositories.map((m) => ({ name: m.repository, format: m.format, environment: m.environment })),
  package_exclude: p.packageExclude,
  package_exclude_major: p.packageExcludeMajor,
  service_reload: p.serviceReload,
  service_restart: p.serviceRestart,
  notes: p.notes,
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

const input = (b: { repositories: Array<{ name: string; environment?: string }>; package_exclude: string[]; package_exclude_major: string[]; service_reload: string[]; service_restart: string[]; notes: string }) => ({
  repositories: b.repositories,
  packageExclude: b.package_exclude,
  packageExcludeMajor: b.package_exclude_major,
  serviceReload: b.service_reload,
  serviceRestart: b.service_restart,
  notes: b.notes,
});

/** Host profiles: member repositories (an empty environment means the host's own), excludes, services. */
export const profilesRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; profiles: ProfileService }> = async (app, { auth, profiles }) => {
  const tags = ['profiles'];
  const write = requirePermission(auth, 'host:admin');
  app.get('/profiles', { preHandler: requirePermission(auth, 'host:read'), schema: { tags, response: { 200: Type.Array(ProfileBody), ...errorResponses } } }, async () => (await profiles.list()).map(body));
  app.get('/profiles/:name', { preHandler: requirePermission(auth, 'host:read'), schema: { tags, params: Name, response: { 200: ProfileBody, ...errorResponses } } }, async (req) =>
    body(await profiles.get(req.params.name)),
  );
  app.post(
    '/profiles',
    { preHandler: write, schema: { tags, body: Type.Intersect([Type.Object({ name: Type.String({ maxLength: 64 }) }), ProfileWrite]), response: { 201: ProfileBody, ...errorResponses } } },
    async (req, reply) => reply.status(201).send(body(await profiles.create(req.actor!, req.body.name, input(req.body)))),
  );
  app.put('/profiles/:name', { preHandler: write, schema: { tags, params: Name, body: ProfileWrite, response: { 200: ProfileBody, ...errorResponses } } }, async (req) =>
    body(await profiles.replace(req.actor!, req.params.name, input(req.body))),
  );
  app.delete('/profiles/:name', { preHandler: write, schema: { tags, params: Name, response: { 204: Type.Null(), ...errorResponses } } }, async (req, reply) => {
    await profiles.delete(req.actor!, req.params.name);
    return reply.status(204).send(null);
  });
};
