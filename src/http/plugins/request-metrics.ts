import type { FastifyInstance, FastifyRequest, onResponseHookHandler, preSerializationHookHandler } from 'fastify';
import type { OpsMetrics } from '../../ops/metrics.js';

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Request counts and latencies by route template (unmatched URLs share one label, so scanners cannot grow
 * the series), and upload outcomes read from the upload route's own answer.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: OpsMetrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const uploadStatus = new WeakMap<FastifyRequest, string>();
  const remember: preSerializationHookHandler<unknown> = (req, _reply, payload, done) => {
    const status = (payload as { status?: unknown } | null)?.status;
    if (typeof status === 'string') uploadStatus.set(req, status);
    done(null, payload);
  };
  const count: onResponseHookHandler = (req, reply, done) => {
    const status = uploadStatus.get(req);
    if (reply.statusCode >= 400) metrics.countUpload('error');
    else if (status) metrics.countUpload(status);
    done();
  };
  app.addHook('onRoute', (route) => {
    const path = route.url.replace(/^\/api\/v1(?=\/)/, '');
    if (route.method !== 'POST' || path !== '/upload/') return;
    route.preSerialization = [...asArray(route.preSerialization), remember];
    route.onResponse = [...asArray(route.onResponse), count];
  });
}
