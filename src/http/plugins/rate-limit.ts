import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preHandlerHookHandler } from 'fastify';
import type { RateLimitConfig } from '../../config/config.js';
import { AppError } from '../../core/errors.js';
import type { RateDecision, RateLimiter } from '../../ops/rate-limiter.js';

export type RateTier = 'login' | 'upload' | 'read' | 'write' | 'promote';

/**
 * Routes that are never limited: the serving plane (apt and dnf fetch many files per run; it must stay one
 * lookup per request), probes and metrics (monitoring must not be throttled), documentation, the UI's static
 * files and the WebSocket endpoint.
 */
const EXEMPT = /^\/(repos|repo|health|metrics|docs|ui|ws)(\/|$)|^\/openapi\.json$|^\/$/;
const UPLOAD = /^\/(upload|import\/fetch|import\/batch)(\/|$)/;

/** Which budget a route draws from (by template, so one classification per route at registration). */
export function classifyRoute(method: string, url: string): RateTier | null {
  if (EXEMPT.test(url)) return null;
  const path = url.replace(/^\/api\/v1(?=\/)/, '');
  if (method === 'POST' && path === '/auth/token') return 'login';
  if (method === 'POST' && UPLOAD.test(path)) return 'upload';
  if (method === 'POST' && /\/promote$/.test(path)) return 'promote';
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return 'read';
  return 'write';
}

function setHeaders(reply: FastifyReply, d: RateDecision): void {
  reply.header('X-RateLimit-Limit', String(d.limit));
  reply.header('X-RateLimit-Remaining', String(d.remaining));
  reply.header('X-RateLimit-Reset', String(d.resetAt));
}

function refuse(reply: FastifyReply, d: RateDecision, windowSeconds: number): never {
  reply.header('Retry-After', String(d.retryAfter));
  throw new AppError('RATE_LIMITED', `rate limit exceeded: ${d.limit} requests per ${windowSeconds} s; retry in ${d.retryAfter} s`, {
    error: 'rate_limit_exceeded',
    limit: d.limit,
    retry_after: d.retryAfter,
  });
}

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Per-IP limit on logins, per-user budgets by role for everything else (Repod's tiers: upload, read, write,
 * plus promotion). The role budget is checked after the route's own preHandlers, so it sees the actor that
 * authentication set; requests refused with 401/403 never reach it. Requests to public routes without an
 * actor or credential draw from the `anonymous` budget of their source IP. Repomanager agents (/api/v2)
 * authenticate as hosts, not as users with a role, and are not limited here.
 */
export function registerRateLimits(app: FastifyInstance, opts: { limiter: RateLimiter; config: RateLimitConfig }): void {
  const { limiter, config } = opts;
  if (!config.enabled) return;

  const limit = async (reply: FastifyReply, key: string, max: number) => {
    const decision = await limiter.consume(key, max);
    setHeaders(reply, decision);
    if (!decision.allowed) refuse(reply, decision, config.windowSeconds);
  };

  const loginHook: onRequestHookHandler = async (req, reply) => limit(reply, `login:ip:${req.ip}`, config.loginPerWindow);

  const budgetHook = (tier: Exclude<RateTier, 'login'>): preHandlerHookHandler =>
    async function rateLimitBudget(req: FastifyRequest, reply: FastifyReply) {
      const actor = req.actor;
      if (!actor) {
        // A credential that no preHandler turned into an actor belongs to a route that authenticates by
        // itself (or to a host agent): charging it to the anonymous budget of its IP would throttle users.
        if (req.headers.authorization || req.routeOptions.url?.startsWith('/api/v2/')) return;
        const budget = config.budgets.anonymous;
        return limit(reply, `${tier}:ip:${req.ip}`, tier === 'promote' ? budget.write : budget[tier]);
      }
      const budget = config.budgets[actor.role];
      if (!budget) return;
      const max = tier === 'promote' ? config.promotePerWindow : budget[tier];
      return limit(reply, `${tier}:user:${actor.username}:${actor.role}`, max);
    };

  app.addHook('onRoute', (route) => {
    const method = [route.method].flat()[0];
    const tier = classifyRoute(method, route.url);
    if (!tier) return;
    if (tier === 'login') route.onRequest = [...asArray(route.onRequest), loginHook];
    else route.preHandler = [...asArray(route.preHandler), budgetHook(tier)];
  });
}
