import type { FastifyError, FastifyInstance } from 'fastify';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../core/errors.js';

/**
 * The one place where errors become HTTP answers. Body: { code, message, detail, ...details } — `detail`
 * repeats the message because Repod's clients read FastAPI's `detail` key.
 */
export function registerErrorHandler(app: FastifyInstance): void {
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
      code = status === 404 ? 'NOT_FOUND' : status === 401 ? 'AUTH_REQUIRED' : 'VALIDATION_FAILED';
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
    reply.status(404).send({ code: 'NOT_FOUND', message: `no route ${req.method} ${req.url.split('?')[0]}`, detail: 'Not found' });
  });
}
