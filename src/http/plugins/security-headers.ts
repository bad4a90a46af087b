import { createRequire } from 'node:module';
import type { FastifyInstance } from 'fastify';

interface HeaderSink {
  setHeader(name: string, value: string | number | readonly string[]): void;
  removeHeader(name: string): void;
}
type HelmetFactory = (options: Record<string, unknown>) => (req: object, res: HeaderSink, next: (err?: unknown) => void) => void;

/**
 * helmet, resolved through @fastify/helmet so it is exactly the version that plugin ships. The plugin itself
 * is not registered: it builds a new helmet middleware (options parsing, CSP validation) on every request,
 * which costs the serving plane more than the file lookup does. The headers do not depend on the request,
 * so they are computed once here and copied onto every reply.
 */
const helmet = createRequire(createRequire(import.meta.url).resolve('@fastify/helmet'))('helmet') as HelmetFactory;

/**
 * The policy allows only this origin: the /docs page and the UI serve their scripts, styles and images from
 * here. `style-src 'unsafe-inline'` is for the style attributes that Swagger UI and the UI's component
 * library set from script. No `upgrade-insecure-requests`: the default deployment is plain HTTP on port
 * 8000, where that directive would break every asset.
 */
const OPTIONS = {
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      baseUri: ["'self'"],
      connectSrc: ["'self'"],
      fontSrc: ["'self'", 'data:'],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      imgSrc: ["'self'", 'data:'],
      objectSrc: ["'none'"],
      scriptSrc: ["'self'"],
      scriptSrcAttr: ["'none'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
    },
  },
  frameguard: { action: 'deny' },
  referrerPolicy: { policy: 'no-referrer' },
};

/** The headers helmet sets for OPTIONS, by running its middleware once against a recorder. */
export function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  let failure: unknown;
  helmet(OPTIONS)(
    {},
    {
      setHeader: (name, value) => {
        headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
      },
      removeHeader: (name) => {
        delete headers[name];
      },
    },
    (err) => {
      failure = err;
    },
  );
  if (failure) throw failure;
  return headers;
}

/** Security headers on every response, errors and 404s included (set before routing can fail). */
export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = securityHeaders();
  app.addHook('onRequest', (_req, reply, done) => {
    reply.headers(headers);
    done();
  });
}
