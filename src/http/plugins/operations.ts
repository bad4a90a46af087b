import type { FastifyInstance } from 'fastify';
import type { Container } from '../../container.js';
import { registerOpenApi } from '../openapi.js';
import { registerRateLimits } from './rate-limit.js';
import { registerRequestMetrics } from './request-metrics.js';
import { registerSecurityHeaders } from './security-headers.js';

/**
 * Security headers, request metrics, rate limits and the OpenAPI document. They attach to routes as the
 * routes are registered, so this runs before any route.
 */
export async function registerOperations(app: FastifyInstance, c: Container): Promise<void> {
  registerSecurityHeaders(app);
  registerRequestMetrics(app, c.ops.metrics);
  registerRateLimits(app, { limiter: c.ops.rateLimiter, config: c.config.rateLimit });
  await registerOpenApi(app, { version: c.config.version });
}
