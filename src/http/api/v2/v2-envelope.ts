import type { FastifyError, FastifyInstance } from 'fastify';
import { type TSchema, Type } from 'typebox';
import { AppError, ERROR_CATALOGUE, type ErrorCode } from '../../../core/errors.js';

/**
 * The Repomanager API v2 envelope, as its clients read it: `rc` and the deprecated `return` carry the
 * status, then `results` or `message` (a list of lines), and `message_error` (a list) on errors. Unlike
 * Repomanager, the HTTP status is the honest one (401, 403, 404, 409, 422 ...), equal to `rc`.
 */
export const V2_NOTE = "The 'return' key is deprecated and will be removed in a future major release (replaced by 'rc' key)";

export function v2Results<T>(results: T, rc = 200) {
  return { rc, return: rc, results, note: V2_NOTE };
}

export function v2Message(message: string[], rc = 200) {
  return { rc, return: rc, message, note: V2_NOTE };
}

const Envelope = { rc: Type.Integer(), return: Type.Integer(), note: Type.String() };

export function V2Results<T extends TSchema>(results: T) {
  return Type.Object({ ...Envelope, results, message: Type.Optional(Type.Array(Type.String())) });
}

export const V2Message = Type.Object({ ...Envelope, message: Type.Array(Type.String()) });

export const V2Error = Type.Object(
  { ...Envelope, code: Type.String(), message: Type.String(), message_error: Type.Array(Type.String()) },
  { additionalProperties: true },
);

export const v2ErrorResponses = { 400: V2Error, 401: V2Error, 403: V2Error, 404: V2Error, 409: V2Error, 413: V2Error, 422: V2Error };

/**
 * JSON with trailing commas before `]` or `}` (outside strings) is accepted: the published Repomanager
 * documentation shows its event payload that way, and a request that a documented example sends should work.
 */
export function parseLenientJson(text: string): unknown {
  // curl -H "Content-Type: application/json" without -d (the documented DELETE) sends an empty body.
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch (first) {
    let out = '';
    let inString = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (inString) {
        out += c;
        if (c === '\\') out += text[++i] ?? '';
        else if (c === '"') inString = false;
      } else if (c === '"') {
        inString = true;
        out += c;
      } else if (c === ',' && /^\s*[\]}]/.test(text.slice(i + 1, i + 64))) {
        continue;
      } else {
        out += c;
      }
    }
    try {
      return JSON.parse(out);
    } catch {
      throw first;
    }
  }
}

function mapError(err: FastifyError | AppError): { code: ErrorCode; message: string } {
  if (err instanceof AppError) return { code: err.code, message: err.message };
  if (err.validation) return { code: 'VALIDATION_FAILED', message: err.message };
  if (err instanceof SyntaxError || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') return { code: 'VALIDATION_FAILED', message: `Invalid JSON: ${err.message}` };
  if (err.statusCode === 413) return { code: 'UPLOAD_TOO_LARGE', message: err.message };
  if (err.statusCode === 415) return { code: 'VALIDATION_FAILED', message: err.message };
  if (err.statusCode && err.statusCode < 500) return { code: err.statusCode === 404 ? 'NOT_FOUND' : 'VALIDATION_FAILED', message: err.message };
  return { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.message };
}

/**
 * Makes a Fastify scope speak v2: the envelope on errors and the lenient JSON body parser. Every scope that
 * serves /api/v2 routes calls this once (the routes' own successes use v2Results / v2Message).
 */
export function useV2Envelope(scope: FastifyInstance): void {
  scope.removeContentTypeParser(['application/json']);
  scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseLenientJson(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  scope.setErrorHandler((err: FastifyError | AppError, req, reply) => {
    const { code, message } = mapError(err);
    const status = ERROR_CATALOGUE[code].status;
    if (code === 'INTERNAL') req.log.error({ err }, 'unhandled error');
    reply
      .status(status)
      .type('application/json')
      .send({ rc: status, return: status, code, message, message_error: [message], note: V2_NOTE });
  });
}
