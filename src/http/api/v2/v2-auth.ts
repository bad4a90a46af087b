import type { FastifyReply, FastifyRequest } from 'fastify';
import { allowed, type Permission } from '../../../auth/permissions.js';
import { AppError } from '../../../core/errors.js';
import type { ApiKeyService } from '../../../hosts/api-key.service.js';
import type { HostService } from '../../../hosts/host.service.js';
import type { Host } from '../../../hosts/host.types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The host authenticated by `Authorization: Host <id>:<token>` (v2 routes). */
    agentHost?: Host;
  }
}

export interface V2AuthDeps {
  apiKeys: ApiKeyService;
  hosts: HostService;
}

export interface V2AuthOptions {
  /** Accept `Authorization: Bearer <API key>`; the owner's role must have this permission. */
  apiKey?: Permission;
  /** Accept `Authorization: Host <id>:<token>`. */
  host?: boolean;
  /** Let requests without an Authorization header through (a present but wrong one is still refused). */
  optional?: boolean;
}

/**
 * The v2 credential check, for every /api/v2 route: an API key (acting with its owner's role; sets
 * req.actor) and/or a host credential (sets req.agentHost), as the route allows. Failures are 401, a role
 * without the permission 403.
 */
export function v2Auth(deps: V2AuthDeps, opts: V2AuthOptions) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) {
      if (opts.optional) return;
      throw new AppError('AUTH_REQUIRED', 'Authentication error: no credentials given');
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(header);
    if (bearer && opts.apiKey) {
      const actor = await deps.apiKeys.authenticate(bearer[1]!);
      if (!allowed(actor.role, opts.apiKey)) throw new AppError('FORBIDDEN', `role ${actor.role} may not ${opts.apiKey}`);
      req.actor = { ...actor, ip: req.ip };
      return;
    }
    const host = /^Host\s+([^:\s]+):(\S+)$/i.exec(header);
    if (host && opts.host) {
      req.agentHost = await deps.hosts.authenticate(host[1]!, host[2]!);
      return;
    }
    const accepted = [opts.apiKey && 'Bearer <API key>', opts.host && 'Host <id>:<token>'].filter(Boolean).join(' or ');
    throw new AppError('AUTH_INVALID', `Authentication error: this route accepts ${accepted}`);
  };
}
