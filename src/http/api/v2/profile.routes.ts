import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { ProfileService } from '../../../repo/profile.service.js';
import type { Profile } from '../../../store/sql/profiles.store.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';
import { baseUrlOf } from './v2-shapes.js';

const Name = Type.Object({ name: Type.String({ maxLength: 64 }) });
const ProfileV2 = Type.Object({ Name: Type.String(), Package_exclude: Type.String(), Package_exclude_major: Type.String(), Service_reload: Type.String(), Service_restart: Type.String(), Notes: Type.String() });
const Excludes = Type.Object({ Package_exclude: Type.String(), Package_exclude_major: Type.String() });
const RepoItem = Type.Object({}, { additionalProperties: Type.String() });
const NewFormat = Type.Object({
  repos: Type.Array(Type.Object({ name: Type.String(), url: Type.String(), distribution: Type.String(), component: Type.String(), description: Type.String(), filename_prefix: Type.String() })),
  reposerver: Type.Object({ gpgkey_url: Type.String(), hostname: Type.String() }),
});

const profileV2 = (p: Profile) => ({
  Name: p.name,
  Package_exclude: p.packageExclude.join(','),
  Package_exclude_major: p.packageExcludeMajor.join(','),
  Service_reload: p.serviceReload.join(','),
  Service_restart: p.serviceRestart.join(','),
  Notes: p.notes,
});

/** Profile reads for agents (host credentials) and API keys. */
export const profileV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; profiles: ProfileService; publicUrl: string }> = async (app, { v2, profiles, publicUrl }) => {
  const tags = ['api v2'];
  const read = v2Permission(v2, 'host:read', { hosts: true });
  app.get('/profile', { preHandler: read, schema: { tags, response: { 200: V2Results(Type.Array(Type.Object({ Name: Type.String() }))), ...v2ErrorResponses } } }, async () =>
    v2Results((await profiles.list()).map((p) => ({ Name: p.name }))),
  );
  app.get(
    '/profile/server-settings',
    { preHandler: read, schema: { tags, response: { 200: V2Results(Type.Array(Type.Object({ Ip: Type.String(), Url: Type.String(), Package_type: Type.String() }))), ...v2ErrorResponses } } },
    async (req) => v2Results([{ Ip: req.socket.localAddress ?? '', Url: baseUrlOf(req, publicUrl), Package_type: 'deb,rpm' }]),
  );
  app.get('/profile/:name', { preHandler: read, schema: { tags, params: Name, response: { 200: V2Results(Type.Array(ProfileV2)), ...v2ErrorResponses } } }, async (req) =>
    v2Results([profileV2(await profiles.get(req.params.name))]),
  );
  app.get('/profile/:name/excludes', { preHandler: read, schema: { tags, params: Name, response: { 200: V2Results(Excludes), ...v2ErrorResponses } } }, async (req) => {
    const p = profileV2(await profiles.get(req.params.name));
    return v2Results({ Package_exclude: p.Package_exclude, Package_exclude_major: p.Package_exclude_major });
  });
  app.get(
    '/profile/:name/repos',
    {
      preHandler: read,
      schema: { tags, params: Name, querystring: Type.Object({ 'new-format': Type.Optional(Type.String()) }), response: { 200: V2Results(Type.Union([NewFormat, Type.Array(RepoItem)])), ...v2ErrorResponses } },
    },
    async (req) => {
      const ctx = { baseUrl: baseUrlOf(req, publicUrl) };
      if (req.query['new-format'] !== undefined) return v2Results(await profiles.reposNewFormat(req.params.name, ctx));
      return v2Results(await profiles.repos(req.params.name, ctx));
    },
  );
};
