import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { Job } from '../../../jobs/job.types.js';
import type { SnapshotRow } from '../../../store/sql/environments.store.js';
import type { Repository } from '../../../store/sql/repositories.store.js';
import type { SnapshotPackage } from '../../../store/sql/snapshot-content.store.js';

/** Repomanager's row shapes (capitalised keys, "true"/"false" strings) built from Packyard's model. */
export const SnapshotV2 = Type.Object({
  Id: Type.Integer(),
  Number: Type.Integer(),
  Date: Type.String(),
  Time: Type.String(),
  Signed: Type.String(),
  Arch: Type.String(),
  Advanced_params: Type.String(),
  Type: Type.String(),
  Reconstruct: Type.String(),
  Status: Type.String(),
  Id_repo: Type.Integer(),
  Reason: Type.String(),
});

export function snapshotV2(s: SnapshotRow, repo: Repository) {
  return {
    Id: s.id,
    Number: s.number,
    Date: s.createdAt.slice(0, 10),
    Time: s.createdAt.slice(11, 19),
    Signed: 'true',
    Arch: repo.architectures.join(','),
    Advanced_params: '{}',
    Type: repo.kind,
    Reconstruct: '',
    Status: 'active',
    Id_repo: repo.id,
    Reason: s.reason,
  };
}

export const PackageV2 = Type.Object({
  filename: Type.String(),
  name: Type.String(),
  version: Type.String(),
  release: Type.String(),
  arch: Type.String(),
  size: Type.Integer(),
  'size-human': Type.String(),
  'relative-path': Type.String(),
  'absolute-path': Type.String(),
  'download-url': Type.String(),
  sha256: Type.String(),
});

function human(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(1)} ${units[i]}`;
}

/** download-url: the file through the repository's `current` serving path. */
export function packageV2(p: SnapshotPackage, repo: Repository, baseUrl: string) {
  const file = p.filename.slice(p.filename.lastIndexOf('/') + 1);
  const dash = repo.format === 'rpm' ? p.version.lastIndexOf('-') : -1;
  const url =
    repo.format === 'deb'
      ? `${baseUrl}/repo/deb/${repo.name}/${repo.name}/${p.component}/current/${p.filename}`
      : `${baseUrl}/repo/rpm/${repo.name}/${repo.name}/current/${p.arch === 'noarch' ? (repo.architectures.find((a) => a !== 'noarch' && a !== 'src') ?? 'noarch') : p.arch}/${p.filename}`;
  return {
    filename: file,
    name: p.name,
    version: dash > 0 ? p.version.slice(0, dash) : p.version,
    release: dash > 0 ? p.version.slice(dash + 1) : '',
    arch: p.arch,
    size: p.size,
    'size-human': human(p.size),
    'relative-path': p.filename,
    'absolute-path': `/${repo.format}/${repo.name}/${p.filename}`,
    'download-url': url,
    sha256: p.sha256,
  };
}

export const TaskV2 = Type.Object({
  Id: Type.Integer(),
  Type: Type.String(),
  Date: Type.String(),
  Time: Type.String(),
  Raw_params: Type.String(),
  Pid: Type.String(),
  Logfile: Type.String(),
  Duration: Type.String(),
  Status: Type.String(),
  Progress: Type.Integer(),
  Error: Type.String(),
});

const STATUS: Record<string, string> = { queued: 'queued', running: 'running', succeeded: 'done', failed: 'error', canceled: 'stopped' };

export function taskV2(j: Job) {
  const { actor: _actor, ...params } = j.payload;
  const seconds = j.startedAt && j.finishedAt ? Math.max(0, Math.round((Date.parse(j.finishedAt) - Date.parse(j.startedAt)) / 1000)) : 0;
  return {
    Id: j.id,
    Type: 'immediate',
    Date: j.createdAt.slice(0, 10),
    Time: j.createdAt.slice(11, 19),
    Raw_params: JSON.stringify({ action: j.kind, ...params }),
    Pid: '',
    Logfile: '',
    Duration: String(seconds),
    Status: STATUS[j.state] ?? j.state,
    Progress: j.progress,
    Error: j.error,
  };
}

/** The server's public base URL: PUBLIC_URL when configured, else what the client used. */
export function baseUrlOf(req: FastifyRequest, publicUrl: string): string {
  return (publicUrl || `${req.protocol}://${req.host}`).replace(/\/+$/, '');
}
