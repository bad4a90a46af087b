import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { AppError } from '../../../core/errors.js';
import type { RepoEnvironments } from '../../../repo/environment.wiring.js';
import { basename } from '../../../repo/snapshot.service.js';
import type { StagedBlob } from '../../../store/blobs/blob-store.js';
import type { V2Auth } from './v2-auth.types.js';
import { v2Permission } from './v2-auth.repo.js';
import { V2Results, v2ErrorResponses, v2Results } from './v2-envelope.js';

const Params = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const UPLOADED = 'Following packages have been uploaded successfully';
const IGNORED = 'Following packages already exist and have been ignored';
const DELETED = 'Packages deleted successfully:';
const truthy = (v: string) => v.trim().toLowerCase() === 'true';

/**
 * Upload into / delete from / rebuild a snapshot. Unlike Repomanager, upload and delete never touch the
 * given snapshot: they create and publish a new one (its id in `snapshot_id`); no rebuild is needed.
 */
export const snapshotWriteV2Routes: FastifyPluginAsyncTypebox<{ v2: V2Auth; envs: RepoEnvironments; maxUploadBytes: number }> = async (app, { v2, envs, maxUploadBytes }) => {
  const tags = ['api v2'];
  app.post(
    '/snapshot/:id/upload',
    {
      preHandler: v2Permission(v2, 'package:upload'),
      schema: {
        tags,
        consumes: ['multipart/form-data'],
        params: Params,
        response: { 200: V2Results(Type.Object({ [UPLOADED]: Type.Array(Type.String()), [IGNORED]: Type.Array(Type.String()), snapshot_id: Type.Integer(), created: Type.Boolean() })), ...v2ErrorResponses },
      },
    },
    async (req) => {
      if (!req.isMultipart()) throw new AppError('VALIDATION_FAILED', 'expected multipart/form-data');
      const from = await envs.snapshots.byId(req.params.id);
      const files: Array<{ filename: string; staged: StagedBlob }> = [];
      const flags = { overwrite: false, ignoreIfExists: false };
      try {
        for await (const part of req.parts({ limits: { fileSize: maxUploadBytes + 1, files: 500, fields: 20 } })) {
          if (part.type === 'file') files.push({ filename: part.filename, staged: await envs.uploads.stage(part.filename, part.file) });
          else if (part.fieldname === 'overwrite') flags.overwrite = truthy(String(part.value));
          else if (part.fieldname === 'ignore-if-exists') flags.ignoreIfExists = truthy(String(part.value));
        }
        const r = await envs.uploads.upload(req.actor!, from, files, flags);
        return v2Results({ [UPLOADED]: r.uploaded, [IGNORED]: r.ignored, snapshot_id: r.snapshot.id, created: r.created });
      } finally {
        for (const f of files) await f.staged.discard();
      }
    },
  );
  app.delete(
    '/snapshot/:id/packages',
    {
      preHandler: v2Permission(v2, 'package:delete'),
      schema: {
        tags,
        params: Params,
        body: Type.Object({ packages: Type.Array(Type.String({ minLength: 1, maxLength: 512 }), { minItems: 1, maxItems: 1000 }) }),
        response: { 200: V2Results(Type.Object({ [DELETED]: Type.Array(Type.Object({ name: Type.String(), path: Type.String() })), snapshot_id: Type.Integer() })), ...v2ErrorResponses },
      },
    },
    async (req) => {
      const r = await envs.snapshots.deletePackages(req.actor!, await envs.snapshots.byId(req.params.id), req.body.packages);
      return v2Results({ [DELETED]: r.deleted.map((p) => ({ name: basename(p.filename), path: p.filename })), snapshot_id: r.snapshot.id });
    },
  );
  app.put(
    '/snapshot/:id/rebuild',
    {
      preHandler: v2Permission(v2, 'package:delete'),
      schema: {
        tags,
        params: Params,
        body: Type.Optional(Type.Object({ gpgSign: Type.Optional(Type.String()) })),
        response: { 202: Type.Object({ rc: Type.Integer(), return: Type.Integer(), results: Type.String(), 'task-id': Type.Integer() }), ...v2ErrorResponses },
      },
    },
    async (req, reply) => {
      // Packyard always signs: gpgSign is accepted and ignored.
      const id = await envs.snapshots.requestRebuild(req.actor!, await envs.snapshots.byId(req.params.id));
      return reply.status(202).send({ ...v2Results('Snapshot metadata rebuild started', 202), 'task-id': id });
    },
  );
};
