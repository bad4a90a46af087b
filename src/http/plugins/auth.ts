import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import type { AuthService } from '../../auth/auth.service.js';
import type { Principal } from '../../auth/auth.types.js';
import { allowed, type Permission } from '../../auth/permissions.js';
import type { Actor } from '../../core/actor.js';
import { AppError } from '../../core/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    actor?: Actor;
    principal?: Principal;
  }
  interface FastifyInstance {
    /** Every route of the application with the permission it requires (null: no Bearer check). */
    routeCatalogue: RouteEntry[];
  }
  interface FastifyContextConfig {
    permission?: Permission;
  }
}

export interface RouteEntry {
  method: string;
  url: string;
  permission: Permission | null;
}

/** The hook returned by requirePermission; it carries its permission so routes can be enumerated with it. */
export type PermissionCheck = ((req: FastifyRequest, reply: FastifyReply) => Promise<void>) & { readonly permission: Permission };

/** A hook that authenticates the Bearer credential (JWT or API token) and checks the route's permission. */
export function requirePermission(auth: AuthService, permission: Permission): PermissionCheck {
  const check = async (req: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const header = req.headers.authorization;
    if (!header) throw new AppError('AUTH_REQUIRED');
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError('AUTH_INVALID', 'expected "Authorization: Bearer <token>"');
    const principal = await auth.authenticate(match[1]);
    if (!allowed(principal.role, permission)) throw new AppError('FORBIDDEN', `role ${principal.role} may not ${permission}`);
    req.principal = { ...principal, ip: req.ip };
    req.actor = { username: principal.username, role: principal.role, ip: req.ip };
  };
  return Object.assign(check, { permission });
}

function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function isPermissionCheck(h: unknown): h is PermissionCheck {
  return typeof h === 'function' && typeof (h as Partial<PermissionCheck>).permission === 'string';
}

/**
 * Records every route with its permission (app.routeCatalogue, route config.permission) and moves
 * permission checks from preHandler to onRequest: credentials are checked before the body is read or
 * validated, so an unauthenticated or forbidden caller gets 401/403, never a validation answer that
 * describes the schema. Must be registered before any route.
 */
export function registerRouteCatalogue(app: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  app.decorate('routeCatalogue', routes);
  app.addHook('onRoute', (opts) => {
    const pre = asList(opts.preHandler);
    const checks = pre.filter(isPermissionCheck);
    const permission = checks[0]?.permission ?? null;
    if (checks.length) {
      opts.preHandler = pre.filter((h) => !isPermissionCheck(h));
      opts.onRequest = [...(checks as unknown as onRequestHookHandler[]), ...asList(opts.onRequest)];
      opts.config = { ...opts.config, permission: permission! };
    }
    for (const method of asList(opts.method)) routes.push({ method: String(method), url: opts.url, permission });
  });
}
