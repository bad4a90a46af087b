import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { IngestService } from '../../content/ingest.service.js';
import { AppError } from '../../core/errors.js';
import type { StagedBlob } from '../../store/blobs/blob-store.js';
import { requirePermission } from '../plugins/auth.js';
import { errorResponses } from '../schemas/common.js';

const UploadResponse = Type.Object({
  status: Type.Union([Type.Literal('accepted'), Type.Literal('pending_review'), Type.Literal('rejected'), Type.Literal('already_imported')]),
  filename: Type.String(),
  format: Type.Union([Type.Literal('deb'), Type.Literal('rpm')]),
  package: Type.String(),
  version: Type.String(),
  arch: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  distribution: Type.String(),
  snapshot: Type.Integer(),
  message: Type.String(),
  findings: Type.Optional(Type.Object({ total: Type.Integer(), bySeverity: Type.Record(Type.String(), Type.Integer()), advisories: Type.Array(Type.String()) })),
  warnings: Type.Optional(Type.Array(Type.String())),
});

export const uploadRoutes: FastifyPluginAsyncTypebox<{ auth: AuthService; ingest: IngestService; maxUploadBytes: number }> = async (
  app,
  { auth, ingest, maxUploadBytes },
) => {
  app.post(
    '/upload/',
    {
      preHandler: requirePermission(auth, 'package:upload'),
      schema: {
        summary: 'Upload a .deb or .rpm to a distribution (multipart: file, distribution)',
        tags: ['packages'],
        consumes: ['multipart/form-data'],
        response: { 200: UploadResponse, ...errorResponses },
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', 'expected multipart/form-data with fields "file" and "distribution"');
      let staged: StagedBlob | undefined;
      let filename = '';
      let distribution = '';
      try {
        // curl sends fields in command-line order, often the file before the distribution: stage the file
        // as it streams, decide once every field is read.
        for await (const part of req.parts({ limits: { fileSize: maxUploadBytes + 1, files: 1, fields: 10 } })) {
          if (part.type === 'file') {
            if (part.fieldname !== 'file' || staged) {
              part.file.resume();
              throw new AppError('VALIDATION_FAILED', 'exactly one file, in the field "file", is expected');
            }
            filename = part.filename;
            staged = await ingest.stage(filename, part.file, maxUploadBytes);
          } else if (part.fieldname === 'distribution') {
            distribution = String(part.value).trim();
          }
        }
        if (!staged) throw new AppError('VALIDATION_FAILED', 'the field "file" is required');
        if (!distribution) throw new AppError('UNKNOWN_DISTRIBUTION', 'the field "distribution" is required');
        return await ingest.importStaged(req.actor!, distribution, filename, staged);
      } finally {
        await staged?.discard();
      }
    },
  );
};
