import { Type } from 'typebox';
import { Format } from './catalog.schemas.js';

/** What ingest answers for one stored upload (UploadResult in src/content/ingest.service.ts). */
export const UploadResultProps = {
  status: Type.Union([Type.Literal('accepted'), Type.Literal('pending_review'), Type.Literal('rejected'), Type.Literal('already_imported')]),
  filename: Type.String(),
  format: Format,
  package: Type.String(),
  version: Type.String(),
  arch: Type.String(),
  sha256: Type.String(),
  size: Type.Integer(),
  distribution: Type.String(),
  snapshot: Type.Integer(),
  message: Type.String(),
  findings: Type.Optional(Type.Object({ total: Type.Integer(), bySeverity: Type.Record(Type.String(), Type.Integer()), advisories: Type.Array(Type.String()) })),
};

const { message, findings, ...identity } = UploadResultProps;

/** POST /upload/: the ingest result plus the fields Repod's clients read. */
export const UploadResponse = Type.Object({
  ...identity,
  validation: Type.Object({
    passed: Type.Boolean(),
    cve_status: Type.Union([Type.String(), Type.Null()]),
    steps: Type.Array(Type.Object({ name: Type.String(), passed: Type.Boolean(), detail: Type.Optional(Type.String()) })),
    deps_missing: Type.Array(Type.String()),
  }),
  warnings: Type.Array(Type.String()),
  dependencies_resolved: Type.Array(Type.String()),
  message,
  findings,
});

/** One file of a batch that was refused: the error the single upload would have answered with. */
export const BatchFailure = Type.Object({
  filename: Type.String(),
  status: Type.Literal('failed'),
  error: Type.Object({ code: Type.String(), message: Type.String() }),
});

export const BatchEntry = Type.Union([Type.Object({ ...UploadResultProps, warnings: Type.Optional(Type.Array(Type.String())) }), BatchFailure]);

export const BatchUploadQuery = Type.Object({
  distribution: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Target distribution; or send the field "distribution" before the first file' })),
});

export const BatchUploadResponse = Type.Object({
  distribution: Type.String(),
  total: Type.Integer(),
  accepted: Type.Integer(),
  already_imported: Type.Integer(),
  pending_review: Type.Integer(),
  rejected: Type.Integer(),
  failed: Type.Integer(),
  results: Type.Array(BatchEntry, { description: 'One entry per file, in upload order' }),
});
