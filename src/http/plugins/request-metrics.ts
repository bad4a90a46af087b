import type { FastifyInstance, FastifyRequest, onResponseHookHandler, preSerializationHookHandler } from 'fastify';
import type { OpsMetrics } from '../../ops/metrics.js';

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Request counts and latencies by route template (unmatched URLs share one label, so scanners cannot grow
 * the series), and upload outcomes read from the upload routes' own answers: one per file of a batch, a
 * failed file counting as an error.
 */
export function registerRequestMetrics(app: FastifyInstance, metrics: OpsMetrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    metrics.observeRequest(req.method, req.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });

  const uploadStatus = new WeakMap<FastifyRequest, string[]>();
  const remember: preSerializationHookHandler<unknown> = (req, _reply, payload, done) => {
    const body = payload as { status?: unknown; results?: unknown } | null;
    const entries = Array.isArray(body?.results) ? (body.results as Array<{ status?: unknown }>) : [body ?? {}];
    const statuses = entries.map((e) => e.status).filter((s): s is string => typeof s === 'string');
    uploadStatus.set(req, statuses.map((s) => (s === 'failed' ? 'error' : s)));
    done(null, payload);
  };
  const count: onResponseHookHandler = (req, reply, done) => {
    if (reply.statusCode >= 400) metrics.countUpload('error');
    else for (const status of uploadStatus.get(req) ?? []) metrics.countUpload(status);
    done();
  };
  app.addHook('onRoute', (route) => {
    const path = route.url.replace(/^\/api\/v1(?=\/)/, '');
    if (route.method !== 'POST' || (path !== '/upload/' && path !== '/upload/batch')) return;
    route.preSerialization = [...asArray(route.preSerialization), remember];
    route.onResponse = [...asArray(route.onResponse), count];
  });
}
