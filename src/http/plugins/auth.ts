import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuthService } from '../../auth/auth.service.js';
import { allowed, type Permission } from '../../auth/permissions.js';
import type { Actor } from '../../core/actor.js';
import { AppError } from '../../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
  }
}

/** A preHandler that authenticates the Bearer credential and checks the route's permission. */
export function requirePermission(auth: AuthService, permission: Permission) {
  return async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) throw new AppError('AUTH_REQUIRED');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('AUTH_INVALID', 'expected "Authorization: Bearer <token>"');
    const actor = await auth.authenticate(match[1]);
    if (!allowed(actor.role, permission)) throw new AppError('FORBIDDEN', `role ${actor.role} may not ${permission}`);
    req.actor = { ...actor, ip: req.ip };
  };
}
