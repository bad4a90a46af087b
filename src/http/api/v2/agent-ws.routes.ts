import type { FastifyPluginAsync } from 'fastify';
import { AgentSession, type AgentSessionDeps } from '../../../hosts/agent-session.js';

/** GET /ws: the agent channel (linupdate's "listen" mode). The protocol lives in AgentSession. */
export const agentWsRoutes: FastifyPluginAsync<{ session: AgentSessionDeps }> = async (app, { session: deps }) => {
  app.get('/ws', { websocket: true }, (socket, req) => {
    const session = new AgentSession(deps, {
      send: (message) => {
        if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
      },
      close: () => socket.close(),
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      void session.receive(data.toString());
    });
    socket.on('close', () => {
      session.closed().catch((err: unknown) => req.log.warn({ err }, 'agent disconnect bookkeeping failed'));
    });
  });
};
