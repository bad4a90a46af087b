import type { FastifyRequest } from 'fastify';
import type { AuthService } from '../../../auth/auth.service.js';
import { allowed, type Permission } from '../../../auth/permissions.js';
import type { Actor } from '../../../core/actor.js';
import { AppError } from '../../../core/errors.js';
import type { V2Auth } from './v2-auth.types.js';

/**
 * Stand-in V2Auth until API keys and host tokens are wired: a Bearer credential is checked as a Packyard
 * JWT/API token by the AuthService; host credentials are refused.
 */
export function localV2Auth(auth: AuthService): V2Auth {
  return {
    async resolveApiKey(header) {
      if (!header) throw new AppError('AUTH_REQUIRED');
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m) throw new AppError('AUTH_INVALID', 'expected "Authorization: Bearer <API key>"');
      return auth.authenticate(m[1]);
    },
    async resolveHost(header) {
      if (!header) throw new AppError('AUTH_REQUIRED');
      throw new AppError('AUTH_INVALID', 'host authentication is not available');
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
