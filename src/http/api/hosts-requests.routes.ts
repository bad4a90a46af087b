import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import { type HostRequest, REQUEST_TYPES } from '../../hosts/host.types.js';
import type { RequestService } from '../../hosts/request.service.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const RequestBody = Type.Object({
  id: Type.Integer(),
  host_id: Type.Integer(),
  request: Type.String(),
  data: Type.Record(Type.String(), Type.Unknown()),
  state: Type.String(),
  attempts: Type.Integer(),
  next_attempt_at: Type.String(),
  created_at: Type.String(),
  created_by: Type.String(),
  sent_at: Type.Union([Type.String(), Type.Null()]),
  finished_at: Type.Union([Type.String(), Type.Null()]),
  info: Type.String(),
  summary: Type.Record(Type.String(), Type.Unknown()),
  log: Type.String(),
  error: Type.String(),
});

function requestBody(r: HostRequest) {
  return {
    id: r.id,
    host_id: r.hostId,
    request: r.type,
    data: r.data,
    state: r.state,
    attempts: r.attempts,
    next_attempt_at: r.nextAttemptAt,
    created_at: r.createdAt,
    created_by: r.createdBy,
    sent_at: r.sentAt,
    finished_at: r.finishedAt,
    info: r.info,
    summary: r.summary,
    log: r.log,
    error: r.error,
  };
}

const HostParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** Requests to a host's agent, delivered over GET /ws: create, list, cancel. */
export const hostsRequestsRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; requests: RequestService }> = async (app, { auth, requests }) => {
  app.post(
    '/hosts/:id/requests',
    {
      preHandler: requirePermission(auth, 'host:admin'),
      schema: {
        summary: 'Queue a request for a host agent',
        tags: ['hosts'],
        params: HostParams,
        body: Type.Object({
          request: Type.Union(REQUEST_TYPES.map((t) => Type.Literal(t))),
          data: Type.Optional(
            Type.Object({
              'update-params': Type.Optional(Type.Record(Type.String(), Type.Union([Type.Boolean(), Type.String()]))),
              packages: Type.Optional(Type.Array(Type.Union([Type.String(), Type.Object({ name: Type.String(), target_version: Type.Optional(Type.String()) })]), { maxItems: 10000 })),
            }),
          ),
        }),
        response: { 201: RequestBody, ...errorResponses },
      },
    },
    async (req, reply) => {
      reply.code(201);
      return requestBody(await requests.create(req.actor!, req.params.id, req.body.request, req.body.data ?? {}));
    },
  );
  app.get(
    '/hosts/:id/requests',
    { preHandler: requirePermission(auth, 'host:read'), schema: { summary: 'Recent requests of a host, newest first', tags: ['hosts'], params: HostParams, response: { 200: Type.Object({ items: Type.Array(RequestBody) }), ...errorResponses } } },
    async (req) => ({ items: (await requests.list(req.params.id)).map(requestBody) }),
  );
  app.delete(
    '/hosts/:id/requests/:requestId',
    {
      preHandler: requirePermission(auth, 'host:admin'),
      schema: { summary: 'Cancel a request that has not finished', tags: ['hosts'], params: Type.Object({ id: Type.Integer({ minimum: 1 }), requestId: Type.Integer({ minimum: 1 }) }), response: { 200: RequestBody, ...errorResponses } },
    },
    async (req) => requestBody(await requests.cancel(req.actor!, req.params.id, req.params.requestId)),
  );
};
