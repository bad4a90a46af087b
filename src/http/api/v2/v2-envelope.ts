import type { FastifyError, FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../../core/errors.js';

/**
 * The Repomanager v2 envelope, kept local to these routes: `rc` and the deprecated `return` carry the HTTP
 * status (honest statuses, unlike Repomanager's blanket 400), then `results` or `message`; errors carry
 * `message_error` plus Packyard's `code`/`message`.
 */
export function envelope<T>(rc: number, results: T): { rc: number; return: number; results: T } {
  return { rc, return: rc, results };
}

export function Envelope<T extends TSchema>(results: T) {
  return Type.Object({ rc: Type.Integer(), return: Type.Integer(), results });
}

export const V2Error = Type.Object(
  { rc: Type.Integer(), return: Type.Integer(), message_error: Type.Array(Type.Unknown()), code: Type.String(), message: Type.String() },
  { additionalProperties: true },
);

export const v2ErrorResponses = { 400: V2Error, 401: V2Error, 403: V2Error, 404: V2Error, 409: V2Error, 413: V2Error, 422: V2Error };

/** Installs the v2 error shape on an encapsulated scope. */
export function useV2Errors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    let code: ErrorCode = 'INTERNAL';
    let message: string = ERROR_CATALOGUE.INTERNAL.message;
    let details: Record<string, unknown> | undefined;
    if (err instanceof AppError) ({ code, message, details } = err);
    else if ((err as FastifyError).validation) [code, message] = ['VALIDATION_FAILED', err.message];
    else if ((err as FastifyError).statusCode === 413) [code, message] = ['UPLOAD_TOO_LARGE', ERROR_CATALOGUE.UPLOAD_TOO_LARGE.message];
    else if ((err as FastifyError).statusCode && (err as FastifyError).statusCode! < 500) [code, message] = ['VALIDATION_FAILED', err.message];
    else req.log.error({ err }, 'unhandled error');
    const rc = ERROR_CATALOGUE[code].status;
    reply.status(rc).type('application/json').send({ ...details, rc, return: rc, message_error: [message], code, message });
  });
}
