import type { FastifyPluginAsync } from 'fastify';
import type { HostService } from '../../../hosts/host.service.js';
import type { InventoryService } from '../../../hosts/inventory.service.js';
import { hostsAgentRoutes } from './hosts-agent.routes.js';
import { hostsReadsRoutes } from './hosts-reads.routes.js';
import { v2StatusRoutes } from './status.routes.js';
import type { V2AuthDeps } from './v2-auth.js';
import { useV2Envelope, V2_NOTE } from './v2-envelope.js';

/**
 * The host side of /api/v2 (register it with prefix /api/v2): status, agent writes, fleet reads, and the
 * v2-shaped 404 for every unknown /api/v2 path. Other v2 route files live in their own scope and call
 * useV2Envelope() themselves.
 */
export const hostsV2Routes: FastifyPluginAsync<{ v2: V2AuthDeps; hosts: HostService; inventory: InventoryService }> = async (app, opts) => {
  useV2Envelope(app);
  app.setNotFoundHandler((req, reply) => {
    const message = `no route ${req.method} ${req.url.split('?')[0]}`;
    reply.status(404).send({ rc: 404, return: 404, code: 'NOT_FOUND', message, message_error: [message], note: V2_NOTE });
  });
  await app.register(v2StatusRoutes, { v2: opts.v2 });
  await app.register(hostsAgentRoutes, { v2: opts.v2, hosts: opts.hosts, inventory: opts.inventory });
  await app.register(hostsReadsRoutes, { v2: opts.v2, hosts: opts.hosts });
};
