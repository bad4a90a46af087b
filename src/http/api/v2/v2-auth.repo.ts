import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../../../auth/auth.service.js';
import { allowed, type Permission } from '../../../auth/permissions.js';
import type { Actor } from '../../../core/actor.js';
import { AppError } from '../../../core/errors.js';
import type { ApiKeyService } from '../../../hosts/api-key.service.js';
import type { HostService } from '../../../hosts/host.service.js';
import type { V2Auth } from './v2-auth.types.js';

/**
 * API v2 credentials for the repository routes: a Repomanager API key (`ak_...`), or any Packyard Bearer
 * credential (JWT, API token) for native clients; hosts authenticate with `Host <id>:<token>`.
 */
export function packyardV2Auth(deps: { auth: AuthService; apiKeys: ApiKeyService; hosts: HostService }): V2Auth {
  return {
    async resolveApiKey(header) {
      if (!header) throw new AppError('AUTH_REQUIRED');
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new AppError('AUTH_INVALID', 'expected "Authorization: Bearer <API key>"');
      return m[1].startsWith('ak_') ? deps.apiKeys.authenticate(m[1]) : deps.auth.authenticate(m[1]);
    },
    async resolveHost(header) {
      if (!header) throw new AppError('AUTH_REQUIRED');
      const m = /^Host\s+([^:\s]+):(\S+)$/i.exec(header);
      if (!m) throw new AppError('AUTH_INVALID', 'expected "Authorization: Host <id>:<token>"');
      const host = await deps.hosts.authenticate(m[1], m[2]);
      return { username: `host:${host.hostname}`, role: 'host' };
    },
  };
}

/** preHandler: an API key with `permission`, or (when `hosts`) a host credential. */
export function v2Permission(v2: V2Auth, permission: Permission, opts: { hosts?: boolean } = {}) {
  return async (req: FastifyRequest): Promise<void> => {
    const header = req.headers.authorization;
    let actor: Actor;
    if (opts.hosts && header && /^Host\s/i.test(header)) actor = await v2.resolveHost(header);
    else {
      actor = await v2.resolveApiKey(header);
      if (!allowed(actor.role, permission)) throw new AppError('FORBIDDEN', `role ${actor.role} may not ${permission}`);
    }
    req.actor = { ...actor, ip: req.ip };
  };
}
