import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The OpenAPI 3.1 document, generated from the route schemas, at /openapi.json, and Swagger UI at /docs
 * with its assets served from this server (no external URLs). Registered before the routes so that every
 * route lands in the document.
 */
export async function registerOpenApi(app: FastifyInstance, opts: { version: string }): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Packyard API',
        version: opts.version,
        description:
          'Private APT and DNF repositories. Repod-compatible routes exist at the root and under /api/v1; ' +
          'the Repomanager API v2 is under /api/v2. Authenticate with `Authorization: Bearer <JWT or API token>` ' +
          '(from POST /auth/token or an API token).',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'A JWT from POST /auth/token, or an API token' },
        },
      },
      // Optional at document level: public routes need nothing, the others answer 401 without it.
      security: [{ bearer: [] }, {}],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    uiConfig: { deepLinking: true, validatorUrl: null },
    theme: { title: 'Packyard API' },
    // The page is covered by the server-wide policy (src/http/plugins/security-headers.ts).
    staticCSP: false,
  });
  app.get(
    '/openapi.json',
    { schema: { hide: true, response: { 200: { type: 'object', additionalProperties: true } } } },
    async () => app.swagger(),
  );
}

/** The document as checked in: stable key order from route registration, two-space indent, final newline. */
export function renderOpenApi(app: FastifyInstance): string {
  return `${JSON.stringify(app.swagger(), null, 2)}\n`;
}
