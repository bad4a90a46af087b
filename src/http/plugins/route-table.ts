import type { FastifyInstance, FastifySchema } from 'fastify';

export interface RouteEntry {
  method: string;
  /** The route template with its prefix (`/api/v1/artifacts/:name`). */
  url: string;
  schema?: FastifySchema & { hide?: boolean };
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on the application, in registration order. */
    routeTable: readonly RouteEntry[];
  }
}

/**
 * Records every route as it is registered. The not-found handler uses it to tell 405 from 404, and tests
 * use it to check that every route declares its schemas.
 */
export function registerRouteTable(app: FastifyInstance): void {
  const routes: RouteEntry[] = [];
  app.decorate('routeTable', routes);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) routes.push({ method, url: route.url, schema: route.schema as RouteEntry['schema'] });
  });
}

const compiled = new WeakMap<readonly RouteEntry[], { size: number; patterns: Array<{ method: string; re: RegExp }> }>();

function templateToRegExp(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/** Methods for which some route matches `path` (empty: no route at all, a real 404). */
export function methodsForPath(routes: readonly RouteEntry[], path: string): string[] {
  let entry = compiled.get(routes);
  if (!entry || entry.size !== routes.length) {
    entry = { size: routes.length, patterns: routes.map((r) => ({ method: r.method, re: templateToRegExp(r.url) })) };
    compiled.set(routes, entry);
  }
  return [...new Set(entry.patterns.filter((p) => p.re.test(path)).map((p) => p.method))];
}
