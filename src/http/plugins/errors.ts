import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../core/errors.js';
import { methodsForPath, registerRouteTable } from './route-table.js';

/** Fastify's own 4xx errors that have a code of their own in the catalogue. */
const FASTIFY_STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  401: 'AUTH_REQUIRED',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
};

/**
 * The one place where errors become HTTP answers. Body: { code, message, detail, ...details } — `detail`
 * repeats the message because Repod's clients read FastAPI's `detail` key.
 */
export function registerErrorHandler(app: FastifyInstance): void {
  // Telling 405 from 404 needs the list of routes.
  registerRouteTable(app);
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let code: ErrorCode;
    let message: string;
    let details: Record<string, unknown> | undefined;
    if (err instanceof AppError) {
      code = err.code;
      message = err.message;
      details = err.details;
    } else if ((err as FastifyError).validation) {
      code = 'VALIDATION_FAILED';
      message = err.message;
    } else if ((err as FastifyError).code === 'FST_REQ_FILE_TOO_LARGE' || (err as FastifyError).statusCode === 413) {
      code = 'UPLOAD_TOO_LARGE';
      message = ERROR_CATALOGUE.UPLOAD_TOO_LARGE.message;
    } else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) {
      const status = (err as FastifyError).statusCode!;
      code = FASTIFY_STATUS_CODES[status] ?? 'VALIDATION_FAILED';
      message = err.message;
    } else {
      req.log.error({ err }, 'unhandled error');
      code = 'INTERNAL';
      message = ERROR_CATALOGUE.INTERNAL.message;
    }
    const status = ERROR_CATALOGUE[code].status;
    if (status >= 500 && code !== 'INTERNAL') req.log.error({ err }, 'server error');
    reply.status(status).type('application/json').send({ ...details, code, message, detail: message });
  });

  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    const methods = methodsForPath(app.routeTable, path);
    if (methods.length > 0) {
      const message = `${req.method} is not allowed on ${path}; allowed: ${methods.join(', ')}`;
      reply.status(405).header('Allow', methods.join(', ')).type('application/json').send({ code: 'METHOD_NOT_ALLOWED', message, detail: message });
      return;
    }
    reply.status(404).type('application/json').send({ code: 'NOT_FOUND', message: `no route ${req.method} ${path}`, detail: 'Not found' });
  });
}
