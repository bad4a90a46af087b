import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type TSchema, Type } from 'typebox';
import type { HostService } from '../../../hosts/host.service.js';
import { type HostFilter, qualifiedName } from '../../../hosts/host.types.js';
import { V2Host, v2Host } from './hosts-view.js';
import { type V2AuthDeps, v2Auth } from './v2-auth.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';

const Segment = Type.String({ minLength: 1, maxLength: 255 });
const HostList = { 200: V2Results(Type.Array(V2Host)), ...v2ErrorResponses };
const PendingHost = Type.Object({
  Id: Type.Integer(),
  Hostname: Type.String(),
  Ip: Type.String(),
  Os: Type.String(),
  Os_version: Type.String(),
  Os_family: Type.String(),
  Kernel: Type.String(),
  Arch: Type.String(),
  Profile: Type.String(),
  Env: Type.String(),
  Available_updates: Type.Object({ Total: Type.Integer(), Packages: Type.Array(Type.Object({ Name: Type.String(), Version: Type.String() })) }),
});

/** Fleet reads with an API key (host:read): listings by attribute, by package, by pending updates; one host's packages. */
export const hostsReadsRoutes: FastifyPluginAsyncTypebox<{ v2: V2AuthDeps; hosts: HostService }> = async (app, { v2, hosts }) => {
  const preHandler = v2Auth(v2, { apiKey: 'host:read' });
  const listing = <P extends TSchema>(url: string, params: P, filter: (p: Record<string, string>) => HostFilter) =>
    app.get(url, { preHandler, schema: { tags: ['v2 hosts'], params, response: HostList } }, async (req) =>
      v2Results((await hosts.list(filter(req.params as Record<string, string>))).map(v2Host)),
    );

  listing('/hosts', Type.Object({}), () => ({}));
  listing('/hosts/os/:os', Type.Object({ os: Segment }), (p) => ({ os: p.os }));
  listing('/hosts/os/:os/:version', Type.Object({ os: Segment, version: Segment }), (p) => ({ os: p.os, osVersion: p.version }));
  listing('/hosts/kernel/:kernel', Type.Object({ kernel: Segment }), (p) => ({ kernel: p.kernel }));
  listing('/hosts/arch/:arch', Type.Object({ arch: Segment }), (p) => ({ arch: p.arch }));
  listing('/hosts/profile/:profile', Type.Object({ profile: Segment }), (p) => ({ profile: p.profile }));
  listing('/hosts/environment/:env', Type.Object({ env: Segment }), (p) => ({ env: p.env }));

  const WithPackage = V2Results(Type.Array(Type.Object({ id: Type.Integer(), hostname: Type.String(), packages: Type.Array(Type.Object({ Name: Type.String(), Version: Type.String(), Arch: Type.String() })) })));
  const byPackage = async (name: string, version?: string) =>
    v2Results(
      (await hosts.withPackage(name, version)).map((h) => ({
        id: h.hostId,
        hostname: h.hostname,
        packages: h.packages.map((p) => ({ Name: qualifiedName(p), Version: p.version, Arch: p.arch })),
      })),
    );
  app.get('/hosts/package/:name', { preHandler, schema: { tags: ['v2 hosts'], params: Type.Object({ name: Segment }), response: { 200: WithPackage, ...v2ErrorResponses } } }, async (req) =>
    byPackage(req.params.name),
  );
  app.get(
    '/hosts/package/:name/:version',
    { preHandler, schema: { tags: ['v2 hosts'], params: Type.Object({ name: Segment, version: Segment }), response: { 200: WithPackage, ...v2ErrorResponses } } },
    async (req) => byPackage(req.params.name, req.params.version),
  );

  for (const [url, outdated] of [['/hosts/uptodate', false], ['/hosts/outdated', true]] as const) {
    app.get(url, { preHandler, schema: { tags: ['v2 hosts'], response: { 200: V2Results(Type.Array(PendingHost)), ...v2ErrorResponses } } }, async () =>
      v2Results(
        (await hosts.byUpdateState(outdated)).map(({ host: h, updates }) => ({
          Id: h.id,
          Hostname: h.hostname,
          Ip: h.ip,
          Os: h.os,
          Os_version: h.osVersion,
          Os_family: h.osFamily,
          Kernel: h.kernel,
          Arch: h.arch,
          Profile: h.profile,
          Env: h.env,
          Available_updates: { Total: updates.length, Packages: updates.map((u) => ({ Name: qualifiedName(u), Version: u.version })) },
        })),
      ),
    );
  }

  const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
  const Installed = Type.Object({ Name: Type.String(), Arch: Type.String(), Version: Type.String(), State: Type.String(), Date: Type.String(), Time: Type.String() });
  app.get('/host/:id/installed', { preHandler, schema: { tags: ['v2 hosts'], params: IdParams, response: { 200: V2Results(Type.Array(Installed)), ...v2ErrorResponses } } }, async (req) =>
    v2Results((await hosts.installed(req.params.id)).map((p) => ({ Name: qualifiedName(p), Arch: p.arch, Version: p.version, State: p.state, Date: p.since.slice(0, 10), Time: p.since.slice(11, 19) }))),
  );

  const Available = Type.Object({ Name: Type.String(), Arch: Type.String(), Current_version: Type.String(), Version: Type.String(), Repository: Type.String(), Security: Type.Boolean() });
  for (const url of ['/host/:id/available', '/host/:id/updates']) {
    app.get(url, { preHandler, schema: { tags: ['v2 hosts'], params: IdParams, response: { 200: V2Results(Type.Array(Available)), ...v2ErrorResponses } } }, async (req) =>
      v2Results(
        (await hosts.available(req.params.id)).map((p) => ({
          Name: qualifiedName(p),
          Arch: p.arch,
          Current_version: p.currentVersion ?? '',
          Version: p.version,
          Repository: p.repository,
          Security: p.security,
        })),
      ),
    );
  }
};
