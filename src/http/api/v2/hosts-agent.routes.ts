import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import { hostActor, type HostService } from '../../../hosts/host.service.js';
import type { HostStatusUpdate } from '../../../hosts/host.types.js';
import { parseAvailable, parseEvents, parseInstalled } from '../../../hosts/inventory.parse.js';
import type { InventoryService } from '../../../hosts/inventory.service.js';
import { type V2AuthDeps, v2Auth } from './v2-auth.js';
import { V2Message, V2Results, v2ErrorResponses, v2Message, v2Results } from './v2-envelope.js';

const INVENTORY_BODY_LIMIT = 32 * 1024 * 1024;
const Field = Type.Optional(Type.Union([Type.String({ maxLength: 4096 }), Type.Number(), Type.Boolean(), Type.Null()]));
const STATUS_FIELDS: Record<string, keyof HostStatusUpdate> = {
  hostname: 'hostname',
  os: 'os',
  os_version: 'osVersion',
  os_family: 'osFamily',
  type: 'type',
  cpu: 'cpu',
  ram: 'ram',
  network: 'network',
  kernel: 'kernel',
  arch: 'arch',
  profile: 'profile',
  env: 'env',
  agent_status: 'agentStatus',
  linupdate_version: 'agentVersion',
  agent_version: 'agentVersion',
  uptime: 'uptime',
};

function statusUpdate(body: Record<string, unknown>): HostStatusUpdate {
  const update: Record<string, unknown> = {};
  for (const [field, key] of Object.entries(STATUS_FIELDS)) {
    const v = body[field];
    if (v !== undefined && v !== null) update[key] = String(v).trim().slice(0, 1024);
  }
  if (typeof update.hostname === 'string' && update.hostname === '') throw new AppError('INVENTORY_INVALID', 'hostname cannot be empty');
  const reboot = body.reboot_required;
  if (reboot !== undefined && reboot !== null) {
    if (reboot === true || reboot === 'true') update.rebootRequired = true;
    else if (reboot === false || reboot === 'false') update.rebootRequired = false;
    else throw new AppError('INVENTORY_INVALID', 'reboot_required must be true, false, "true" or "false"');
  }
  return update as HostStatusUpdate;
}

const PackageList = (key: string) =>
  Type.Union([Type.Object({ [key]: Type.Unknown({ description: '"name|version,name|version,..." or [{name, version}]' }) }), Type.Array(Type.Unknown())], {
    description: `{"${key}": "name|version,..."}, {"${key}": [{name, version}]} or a bare [{name, version}] array; names may carry ":arch"`,
  });

/** What agents send with their host credential: registration, status, installed/available packages, events. */
export const hostsAgentRoutes: FastifyPluginAsyncTypebox<{ v2: V2AuthDeps; hosts: HostService; inventory: InventoryService }> = async (app, { v2, hosts, inventory }) => {
  const hostAuth = v2Auth(v2, { host: true });

  app.post(
    '/host/registering',
    {
      preHandler: v2Auth(v2, { apiKey: 'host:read' }),
      schema: {
        summary: 'Register a host (API key); answers its id and token, shown once',
        tags: ['v2 hosts'],
        body: Type.Object({ hostname: Type.String({ minLength: 1, maxLength: 255, pattern: '^\\S+$' }), ip: Type.String({ maxLength: 64 }) }),
        response: { 201: V2Results(Type.Object({ id: Type.String(), token: Type.String() })), ...v2ErrorResponses },
      },
    },
    async (req, reply) => {
      const { host, token } = await hosts.register(req.actor!, req.body);
      reply.code(201);
      return { ...v2Results({ id: host.authId, token }, 201), message: ['Host successfully registered.'] };
    },
  );

  app.delete(
    '/host/registering',
    {
      preHandler: v2Auth(v2, { host: true, apiKey: 'host:admin' }),
      // The documented call sends no body at all; validate it as an empty object.
      preValidation: async (req) => {
        req.body ??= {};
      },
      schema: {
        summary: 'Unregister a host: itself (host credential) or by hostname (API key)',
        tags: ['v2 hosts'],
        body: Type.Object({ hostname: Type.Optional(Type.String({ minLength: 1, maxLength: 255 })) }),
        response: { 200: V2Message, ...v2ErrorResponses },
      },
    },
    async (req) => {
      if (req.agentHost) await hosts.unregister(hostActor(req.agentHost, req.ip), req.agentHost);
      else if (req.body.hostname) await hosts.unregisterByHostname(req.actor!, req.body.hostname);
      else throw new AppError('VALIDATION_FAILED', 'hostname is required with an API key');
      return v2Message(['Host has been deleted.']);
    },
  );

  app.put(
    '/host/status',
    {
      preHandler: hostAuth,
      schema: {
        summary: 'Host general information; every field optional, unknown fields ignored',
        tags: ['v2 hosts'],
        body: Type.Object(Object.fromEntries([...Object.keys(STATUS_FIELDS), 'reboot_required'].map((k) => [k, Field]))),
        response: { 200: V2Message, ...v2ErrorResponses },
      },
    },
    async (req) => v2Message(await hosts.updateStatus(req.agentHost!, statusUpdate(req.body as Record<string, unknown>))),
  );

  const Counts = Type.Object({ added: Type.Integer(), changed: Type.Integer(), removed: Type.Integer(), unchanged: Type.Integer(), skipped: Type.Integer() });
  app.put(
    '/host/packages/installed',
    {
      preHandler: hostAuth,
      bodyLimit: INVENTORY_BODY_LIMIT,
      schema: { summary: 'The complete list of installed packages', tags: ['v2 hosts'], body: PackageList('installed_packages'), response: { 200: V2Results(Counts), ...v2ErrorResponses } },
    },
    async (req) => {
      const parsed = parseInstalled(req.body);
      const change = await inventory.putInstalled(req.agentHost!, parsed.packages);
      return { ...v2Results({ ...change, skipped: parsed.skipped }), message: ['Installed packages updated successfully.'] };
    },
  );

  app.put(
    '/host/packages/available',
    {
      preHandler: hostAuth,
      bodyLimit: INVENTORY_BODY_LIMIT,
      schema: { summary: 'The list of available updates (optional repository, security per package)', tags: ['v2 hosts'], body: PackageList('available_packages'), response: { 200: V2Message, ...v2ErrorResponses } },
    },
    async (req) => {
      await inventory.putAvailable(req.agentHost!, parseAvailable(req.body).packages);
      return v2Message(['Available packages updated successfully.']);
    },
  );

  app.put(
    '/host/packages/event',
    {
      preHandler: hostAuth,
      bodyLimit: INVENTORY_BODY_LIMIT,
      schema: {
        summary: 'Package event history (apt/dnf transactions); resending an event replaces it',
        tags: ['v2 hosts'],
        body: Type.Object({ events: Type.Array(Type.Unknown()) }),
        response: { 200: V2Message, ...v2ErrorResponses },
      },
    },
    async (req) => {
      await inventory.putEvents(req.agentHost!, parseEvents(req.body));
      return v2Message(['Package events history updated successfully.']);
    },
  );
};
