/**
 * Checks an upload passes after it is parsed and before its blob is committed (antivirus, signature
 * verification, ...). Each check answers ok, warn (accepted, the message is returned to the client) or
 * reject (the upload fails with the check's error code). A rejecting check may ask for quarantine: the
 * bytes are kept in the blob store for inspection but no package row or repository references them, and
 * the rejection is audited.
 */
import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import { AppError, type ErrorCode } from '../core/errors.js';
import type { ByteSource, ParsedPackage } from '../formats/types.js';
import type { StagedBlob } from '../store/blobs/blob-store.js';
import type { Database } from '../store/db/schema.js';

export interface UploadCheckInput {
  /** Opens random access to the staged bytes; the check closes what it opens. */
  source: () => Promise<ByteSource & { close(): Promise<void> }>;
  pkg: ParsedPackage;
  filename: string;
  /** A detached OpenPGP signature sent with the upload (multipart field `signature`), armored or binary. */
  signature?: Uint8Array;
}

export type UploadCheckResult =
  | { ok: true }
  | { warn: string }
  | { reject: true; code: ErrorCode; message: string; quarantine?: boolean; detail?: Record<string, unknown> };

export interface UploadCheck {
  readonly name: string;
  check(input: UploadCheckInput): Promise<UploadCheckResult>;
}

export interface UploadCheckContext {
  db: Kysely<Database>;
  audit: AuditService;
  actor: Actor;
  distribution: string;
  staged: StagedBlob;
  /** Identity fields repeated in the rejection body (Repod's upload answer with status "rejected"). */
  identity: Record<string, unknown>;
}

/** Runs the checks in order; returns the warnings, or throws the first rejection (after quarantine and audit). */
export async function runUploadChecks(checks: readonly UploadCheck[], input: UploadCheckInput, ctx: UploadCheckContext): Promise<string[]> {
  const warnings: string[] = [];
  for (const check of checks) {
    const r = await check.check(input);
    if ('warn' in r) warnings.push(r.warn);
    if (!('reject' in r)) continue;
    if (r.quarantine) await ctx.staged.commit();
    await ctx.db.transaction().execute((trx) =>
      ctx.audit.record(trx, {
        actor: ctx.actor,
        action: 'UPLOAD',
        result: 'BLOCKED',
        package: input.pkg.name,
        version: String(ctx.identity.version ?? ''),
        distribution: ctx.distribution,
        detail: { check: check.name, code: r.code, reason: r.message, sha256: ctx.staged.facts.sha256, quarantined: Boolean(r.quarantine), ...r.detail },
      }),
    );
    throw new AppError(r.code, r.message, { ...ctx.identity, ...r.detail, status: 'rejected', quarantined: Boolean(r.quarantine), warnings });
  }
  return warnings;
}
