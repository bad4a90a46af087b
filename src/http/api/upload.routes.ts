import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { IngestService, UploadResult } from '../../content/ingest.service.js';
import { AppError } from '../../core/errors.js';
import type { StagedBlob } from '../../store/blobs/blob-store.js';
import { requirePermission } from '../plugins/auth.js';
import { ErrorBody, errorResponses } from '../schemas/common.js';
import { UploadResponse } from '../schemas/upload.schemas.js';

/**
 * Repod's `validation` block. The checks ingest runs before it answers (extension, package format,
 * architecture, same-name conflict) have all passed whenever it answers accepted or already_imported;
 * the CVE verdict comes from the security gate, so it stays null until ingest reports one.
 */
function repodValidation(status: UploadResult['status']) {
  const passed = status === 'accepted' || status === 'already_imported';
  const steps = passed ? ['extension', 'format', 'architecture', 'conflict'].map((name) => ({ name, passed: true })) : [];
  const cve = status === 'pending_review' ? 'review' : status === 'rejected' ? 'blocked' : null;
  return { passed, cve_status: cve, steps, deps_missing: [] as string[] };
}

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
        response: { 200: UploadResponse, ...errorResponses, 503: ErrorBody },
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', 'expected multipart/form-data with fields "file" and "distribution"');
      let staged: StagedBlob | undefined;
      let filename = '';
      let distribution = '';
      let signature: Uint8Array | undefined;
      try {
        // curl sends fields in command-line order, often the file before the distribution: stage the file
        // as it streams, decide once every field is read.
        for await (const part of req.parts({ limits: { fileSize: maxUploadBytes + 1, files: 2, fields: 10 } })) {
          if (part.type === 'file' && part.fieldname === 'signature' && !signature) {
            signature = await readSignature(part.file);
          } else if (part.type === 'file') {
            if (part.fieldname !== 'file' || staged) {
              part.file.resume();
              throw new AppError('VALIDATION_FAILED', 'exactly one file, in the field "file", is expected');
            }
            filename = part.filename;
            staged = await ingest.stage(filename, part.file, maxUploadBytes);
          } else if (part.fieldname === 'distribution') {
            distribution = String(part.value).trim();
          } else if (part.fieldname === 'signature' && !signature) {
            signature = Buffer.from(String(part.value));
          }
        }
        if (!staged) throw new AppError('VALIDATION_FAILED', 'the field "file" is required');
        if (!distribution) throw new AppError('UNKNOWN_DISTRIBUTION', 'the field "distribution" is required');
        const result = await ingest.importStaged(req.actor!, distribution, filename, staged, { signature });
        // Fields ingest reports itself (once it does) win over the defaults.
        return { validation: repodValidation(result.status), warnings: [], dependencies_resolved: [], ...result };
      } finally {
        await staged?.discard();
      }
    },
  );
};

/** A detached OpenPGP signature is small; anything larger is not one. */
async function readSignature(stream: AsyncIterable<Buffer> & { resume(): unknown }): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of stream) {
    size += c.length;
    if (size > 64 * 1024) {
      stream.resume();
      throw new AppError('VALIDATION_FAILED', 'the field "signature" must be a detached OpenPGP signature (at most 64 KiB)');
    }
    chunks.push(c);
  }
  return Buffer.concat(chunks);
}
