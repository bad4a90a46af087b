import { finished, PassThrough } from 'node:stream';
import type { FastifyMultipartBaseOptions, MultipartFile } from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { AuthService } from '../../auth/auth.service.js';
import type { IngestService } from '../../content/ingest.service.js';
import { AppError } from '../../core/errors.js';
import type { StagedBlob } from '../../store/blobs/blob-store.js';
import type { RepositoriesStore, Repository } from '../../store/sql/repositories.store.js';
import { requirePermission } from '../plugins/auth.js';
import { ErrorBody, errorResponses } from '../schemas/common.js';
import { BatchUploadQuery, BatchUploadResponse } from '../schemas/upload.schemas.js';
import { type BatchEntry, ImportWindow } from './upload-batch.window.js';

/** Files one request may carry; a larger batch is split by the client. */
export const MAX_BATCH_FILES = 1000;
/**
 * Imports in flight at once per request, and the staged bytes they may hold in memory (a staged file keeps up
 * to 1 MiB in memory, the rest on disk). Each holds its parsed package until it settles. Small packages: 64 in
 * flight let the next files be parsed while the earlier ones commit; with 16, every wave of uploads waited for
 * its commit before the next was read (50k batch ingest 24-30 s against 33-35 s, measured in pairs). Large
 * packages: the byte bound keeps the 16 MiB an earlier window of 16 held at most.
 */
const IN_FLIGHT = 64;
const IN_FLIGHT_BYTES = 16 * 1024 * 1024;

const COUNTED = ['accepted', 'already_imported', 'pending_review', 'rejected', 'failed'] as const;

export const uploadBatchRoutes: FastifyPluginAsyncTypebox<{
  auth: AuthService;
  ingest: IngestService;
  repositories: Pick<RepositoriesStore, 'getByName'>;
  maxUploadBytes: number;
}> = async (app, { auth, ingest, repositories, maxUploadBytes }) => {
  // Checked before any file is read, so a wrong name fails the request instead of every file in it.
  const known = async (name: string): Promise<Repository> => {
    const repo = await repositories.getByName(name);
    if (!repo) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${name}"`);
    return repo;
  };

  app.post(
    '/upload/batch',
    {
      preHandler: requirePermission(auth, 'package:upload'),
      schema: {
        summary: 'Upload many .deb or .rpm files to one distribution (multipart: distribution, then repeated file)',
        description:
          `The distribution comes from ?distribution= or from the field "distribution" sent before the first file. ` +
          `At most ${MAX_BATCH_FILES} files, each within the upload size limit. Files are imported as they arrive and ` +
          'committed together; a file that is refused gets status "failed" with the error code the single upload would answer.',
        tags: ['packages'],
        consumes: ['multipart/form-data'],
        querystring: BatchUploadQuery,
        response: { 200: BatchUploadResponse, ...errorResponses, 503: ErrorBody },
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', 'expected multipart/form-data with the field "file" repeated once per package');
      // Looked up once for the request; the commit checks again that it still exists.
      let repo = req.query.distribution ? await known(req.query.distribution.trim()) : undefined;
      const imports = new ImportWindow(IN_FLIGHT, IN_FLIGHT_BYTES);
      let failure: { err: unknown } | undefined;
      try {
        for await (const part of req.parts(partsOptions(maxUploadBytes))) {
          if (part.type === 'field') {
            const name = part.fieldname === 'distribution' ? String(part.value).trim() : '';
            if (name && repo && name !== repo.name) {
              throw new AppError('VALIDATION_FAILED', `one distribution per request: "${name}" differs from "${repo.name}"`);
            }
            if (name && !repo) repo = await known(name);
            continue;
          }
          const refusal = refuseFile(part, repo, imports.size);
          if (refusal) {
            part.file.resume();
            throw refusal;
          }
          const filename = part.filename;
          const staged = await stagePart(ingest, part, maxUploadBytes).catch((err: unknown) => ImportWindow.failed(filename, err));
          if (isStaged(staged)) await imports.add(filename, ingest.importStaged(req.actor!, repo!, filename, staged), staged.memoryBytes);
          else await imports.add(filename, staged);
        }
      } catch (err) {
        failure = { err };
      }
      // Every import settles (and discards its staged file) before the request answers, even when it failed.
      const results = await imports.settle();
      if (failure) throw failure.err;
      if (imports.fatal) throw imports.fatal.err;
      if (results.length === 0) throw new AppError('VALIDATION_FAILED', 'no files: send each package in a field named "file"');
      const counts = Object.fromEntries(COUNTED.map((s) => [s, results.filter((r) => r.status === s).length])) as Record<(typeof COUNTED)[number], number>;
      return { distribution: repo!.name, total: results.length, ...counts, results };
    },
  );
};

/**
 * A file over the size limit fails alone (stagePart reads past it), not the whole request. The parser lets one
 * file more than the limit through (and the plugin's default of 1000 parts is lifted), so the check in
 * refuseFile answers with its own message rather than the parser's.
 */
function partsOptions(maxUploadBytes: number): FastifyMultipartBaseOptions {
  const fields = 10;
  return { limits: { fileSize: maxUploadBytes + 1, files: MAX_BATCH_FILES + 1, fields, parts: MAX_BATCH_FILES + 1 + fields }, throwFileSizeLimit: false };
}

function refuseFile(part: MultipartFile, repo: Repository | undefined, count: number): AppError | undefined {
  if (part.fieldname !== 'file') return new AppError('VALIDATION_FAILED', `unexpected file field "${part.fieldname}": send every package in a field named "file"`);
  if (!repo) {
    return new AppError('VALIDATION_FAILED', 'the distribution is unknown when the first file arrives: send the field "distribution" before the files, or ?distribution= in the query string');
  }
  if (count >= MAX_BATCH_FILES) return new AppError('UPLOAD_TOO_LARGE', `at most ${MAX_BATCH_FILES} files per request; split the batch`);
  return undefined;
}

function isStaged(x: StagedBlob | BatchEntry): x is StagedBlob {
  return 'discard' in x;
}

/**
 * Stages one file part and, whatever happens, leaves its stream read to the end so the next part can
 * arrive: staging destroys the stream it reads when it gives up (a file over the limit), and busboy stops
 * parsing the request when a part's own stream is destroyed, hence the pass-through in between.
 */
async function stagePart(ingest: IngestService, part: MultipartFile, maxBytes: number): Promise<StagedBlob> {
  const through = new PassThrough();
  finished(part.file, (err) => {
    if (err) through.destroy(err);
  });
  part.file.pipe(through);
  try {
    return await ingest.stage(part.filename, through, maxBytes);
  } catch (err) {
    part.file.unpipe(through);
    part.file.resume();
    throw err;
  }
}
