import type { Readable } from 'node:stream';
import type { AuditService } from '../audit/audit.service.js';
import type { IngestService, StoredPackage } from '../content/ingest.service.js';
import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { StagedBlob } from '../store/blobs/blob-store.js';
import type { SnapshotRow } from '../store/sql/environments.store.js';
import type { SnapshotContent, SnapshotRef, SnapshotService } from './snapshot.service.js';

export interface SnapshotUploadResult {
  /** The new snapshot, or the given one when every file was already there. */
  snapshot: SnapshotRow;
  created: boolean;
  uploaded: string[];
  ignored: string[];
}

/**
 * Repomanager's "upload into snapshot X", done without mutating X: the files are stored as packages and a
 * new snapshot = X + files is created and published in the same call (no separate rebuild needed).
 */
export class SnapshotUploadService {
  constructor(private readonly deps: { ingest: IngestService; snapshots: SnapshotService; audit: AuditService; maxUploadBytes: number }) {}

  stage(filename: string, input: Readable): Promise<StagedBlob> {
    return this.deps.ingest.stage(filename, input, this.deps.maxUploadBytes);
  }

  async upload(actor: Actor, from: SnapshotRef, files: Array<{ filename: string; staged: StagedBlob }>, opts: { overwrite: boolean; ignoreIfExists: boolean }): Promise<SnapshotUploadResult> {
    const { deps } = this;
    if (files.length === 0) throw new AppError('VALIDATION_FAILED', 'no file uploaded');
    const stored: Array<StoredPackage & { upload: string }> = [];
    for (const f of files) stored.push({ ...(await deps.ingest.storePackage(actor, from.repo, f.filename, f.staged)), upload: f.filename });

    const members = await deps.snapshots.packages(from);
    const content: SnapshotContent = new Map(members.map((m) => [m.packageId, m.component]));
    const component = from.repo.components[0] ?? 'main';
    const uploaded: typeof stored = [];
    const ignored: string[] = [];
    for (const s of stored) {
      const same = members.filter((m) => m.name === s.name && m.version === s.version && m.arch === s.arch && content.has(m.packageId));
      const exists = content.has(s.packageId) || same.length > 0;
      if (exists && !opts.overwrite) {
        if (opts.ignoreIfExists) {
          ignored.push(s.upload);
          continue;
        }
        throw new AppError('PACKAGE_EXISTS', `${s.name} ${s.version} ${s.arch} already exists in snapshot ${from.snapshot.id}`, { file: s.upload });
      }
      for (const m of same) if (m.packageId !== s.packageId) content.delete(m.packageId);
      content.set(s.packageId, content.get(s.packageId) ?? component);
      uploaded.push(s);
    }
    const before = new Set(members.map((m) => m.packageId));
    const changed = content.size !== before.size || [...content.keys()].some((id) => !before.has(id));
    if (!changed) return { snapshot: from.snapshot, created: false, uploaded: uploaded.map((s) => s.upload), ignored };

    const snapshot = await deps.snapshots.derive(actor, from.repo, content, `upload ${uploaded.length} package(s) onto snapshot ${from.snapshot.number}`, async (trx, number) => {
      for (const s of uploaded) {
        await deps.audit.record(trx, { actor, action: 'UPLOAD', result: 'SUCCESS', package: s.name, version: s.version, distribution: from.repo.name, detail: { sha256: s.sha256, arch: s.arch, from_snapshot: from.snapshot.number, snapshot: number } });
      }
    });
    return { snapshot, created: true, uploaded: uploaded.map((s) => s.upload), ignored };
  }
}
