import type { Readable } from 'node:stream';
import { AppError } from '../core/errors.js';
import { type Page, type PageRequest, pageWindow, toPage } from '../core/page.js';
import { compareVersions } from '../formats/version/index.js';
import type { BlobStore } from '../store/blobs/blob-store.js';
import type { CatalogFilter, CatalogStore, LiveRow } from '../store/sql/catalog.store.js';

export interface CatalogQuery extends PageRequest {
  q?: string;
  name?: string;
  distribution?: string;
  format?: 'deb' | 'rpm';
  arch?: string;
}

export interface PackageItem {
  id: number;
  name: string;
  version: string;
  arch: string;
  format: 'deb' | 'rpm';
  distribution: string;
  component: string;
  source: string;
  sha256: string;
  size: number;
  filename: string;
  uploaded_at: string;
  uploaded_by: string;
}

export interface ArtifactItem {
  name: string;
  format: 'deb' | 'rpm';
  description: string;
  latest_version: string;
  version_count: number;
  versions: string[];
  distribution: string;
  distributions: string[];
  arches: string[];
  updated_at: string;
}

export interface VersionFile {
  arch: string;
  sha256: string;
  size: number;
  filename: string;
  distributions: string[];
}

export interface VersionItem {
  version: string;
  format: 'deb' | 'rpm';
  arches: string[];
  distributions: string[];
  uploaded_at: string;
  uploaded_by: string;
  in_pool: boolean;
  files: VersionFile[];
}

export interface DownloadFile {
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
  body: Readable;
}

const CONTENT_TYPES = { deb: 'application/vnd.debian.binary-package', rpm: 'application/x-rpm' } as const;

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
const sorted = (xs: string[]): string[] => uniq(xs).sort();

/** Newest first, by the format's own version ordering (dpkg or rpm), never by string order. */
export function newestFirst(format: 'deb' | 'rpm', versions: string[]): string[] {
  return uniq(versions).sort((a, b) => compareVersions(format, b, a));
}

/** The one-line description of a package from its stored metadata JSON. */
export function describe(metaJson: string | undefined): string {
  if (!metaJson) return '';
  const meta = JSON.parse(metaJson) as { format: 'deb' | 'rpm'; control?: Array<[string, string]>; summary?: string };
  if (meta.format === 'rpm') return meta.summary ?? '';
  const field = meta.control?.find(([k]) => k.toLowerCase() === 'description');
  return field ? field[1].split('\n')[0].trim() : '';
}

/**
 * What users browse and download: packages as members of distributions, grouped into artifacts (one name
 * in one format). Only live memberships count, so a deleted package disappears everywhere at once.
 */
export class CatalogService {
  constructor(private readonly deps: { catalog: CatalogStore; blobs: BlobStore }) {}

  async listPackages(query: CatalogQuery): Promise<Page<PackageItem>> {
    const win = pageWindow(query);
    const { rows, total } = await this.deps.catalog.pageLive(filterOf(query), win);
    return toPage(rows.map(packageItem), total, win);
  }

  async listArtifacts(query: CatalogQuery): Promise<Page<ArtifactItem>> {
    const win = pageWindow(query);
    const { groups, total } = await this.deps.catalog.pageArtifacts(filterOf(query), win);
    if (groups.length === 0) return toPage([], total, win);
    // Each entry describes the artifact as the filter sees it: ?distribution=noble lists noble's versions.
    const f = filterOf(query);
    const rows = (await this.deps.catalog.liveRowsForNames(uniq(groups.map((g) => g.name)))).filter(
      (r) => (!f.distribution || r.distribution === f.distribution) && (!f.arch || r.arch === f.arch),
    );
    const items = groups.map((g) => rows.filter((r) => r.name === g.name && r.format === g.format));
    const newestIds = items.map((group) => newestRow(group).packageId);
    const meta = await this.deps.catalog.meta(newestIds);
    return toPage(
      items.map((group, i) => artifactItem(group, meta.get(newestIds[i]))),
      total,
      win,
    );
  }

  /** One artifact; `format` disambiguates a name that exists as both a .deb and an .rpm. */
  async artifact(name: string, opts: { format?: 'deb' | 'rpm' } = {}): Promise<{ name: string; format: 'deb' | 'rpm'; info: ArtifactItem & { source: string }; history: PackageItem[] }> {
    const rows = await this.rowsOf(name, opts.format);
    const newest = newestRow(rows);
    const meta = await this.deps.catalog.meta([newest.packageId]);
    const info = { ...artifactItem(rows, meta.get(newest.packageId)), source: newest.source };
    const history = rows.map(packageItem).sort((a, b) => (a.uploaded_at < b.uploaded_at ? 1 : a.uploaded_at > b.uploaded_at ? -1 : b.id - a.id));
    return { name, format: info.format, info, history };
  }

  async versions(name: string, opts: { format?: 'deb' | 'rpm'; distribution?: string } = {}): Promise<{ package: string; format: 'deb' | 'rpm'; count: number; versions: VersionItem[] }> {
    let rows = await this.rowsOf(name, opts.format);
    if (opts.distribution) rows = rows.filter((r) => r.distribution === opts.distribution);
    const format = rows[0]?.format ?? opts.format ?? 'deb';
    const versions = newestFirst(format, rows.map((r) => r.version)).map((version): VersionItem => {
      const of = rows.filter((r) => r.version === version);
      const files = uniq(of.map((r) => r.sha256)).map((sha): VersionFile => {
        const same = of.filter((r) => r.sha256 === sha);
        return { arch: same[0].arch, sha256: sha, size: same[0].size, filename: same[0].filename, distributions: sorted(same.map((r) => r.distribution)) };
      });
      const first = of.reduce((a, b) => (a.packageId <= b.packageId ? a : b));
      return {
        version,
        format,
        arches: sorted(of.map((r) => r.arch)),
        distributions: sorted(of.map((r) => r.distribution)),
        uploaded_at: first.createdAt,
        uploaded_by: first.uploadedBy,
        in_pool: true,
        files,
      };
    });
    return { package: name, format, count: versions.length, versions };
  }

  /** The file of one version; several different files (arches, formats) must be told apart by the caller. */
  async download(name: string, version: string, opts: { distribution?: string; arch?: string; format?: 'deb' | 'rpm' }): Promise<DownloadFile> {
    const rows = await this.deps.catalog.liveRows({ name, version, distribution: opts.distribution, arch: opts.arch, format: opts.format });
    const files = uniq(rows.map((r) => r.sha256));
    if (files.length === 0) {
      throw new AppError('NOT_FOUND', `no file of ${name} ${version}${opts.arch ? ` (${opts.arch})` : ''}${opts.distribution ? ` in ${opts.distribution}` : ''}`);
    }
    if (files.length > 1) {
      const choices = files.map((sha) => {
        const of = rows.filter((r) => r.sha256 === sha);
        return { arch: of[0].arch, format: of[0].format, distributions: sorted(of.map((r) => r.distribution)) };
      });
      throw new AppError('AMBIGUOUS_PACKAGE', `${name} ${version} has ${files.length} files; pass ?arch= or ?distribution=`, { choices });
    }
    const row = rows[0];
    const filename = row.filename.split('/').pop() ?? `${name}.${row.format}`;
    return { filename, contentType: CONTENT_TYPES[row.format], size: row.size, sha256: row.sha256, body: this.deps.blobs.read(row.sha256) };
  }

  private async rowsOf(name: string, format?: 'deb' | 'rpm'): Promise<LiveRow[]> {
    const rows = await this.deps.catalog.liveRows({ name, format });
    if (rows.length === 0) throw new AppError('NOT_FOUND', `no package named ${name}`);
    // A name present in both formats: without ?format= the most recently uploaded one answers.
    const latest = rows.reduce((a, b) => (a.packageId >= b.packageId ? a : b));
    return rows.filter((r) => r.format === latest.format);
  }
}

function filterOf(q: CatalogQuery): CatalogFilter {
  return { q: q.q || undefined, name: q.name || undefined, distribution: q.distribution || undefined, format: q.format, arch: q.arch || undefined };
}

function newestRow(rows: LiveRow[]): LiveRow {
  return rows.reduce((a, b) => {
    const c = compareVersions(a.format, a.version, b.version);
    return c > 0 || (c === 0 && a.packageId >= b.packageId) ? a : b;
  });
}

function packageItem(r: LiveRow): PackageItem {
  return {
    id: r.packageId,
    name: r.name,
    version: r.version,
    arch: r.arch,
    format: r.format,
    distribution: r.distribution,
    component: r.component,
    source: r.source,
    sha256: r.sha256,
    size: r.size,
    filename: r.filename,
    uploaded_at: r.createdAt,
    uploaded_by: r.uploadedBy,
  };
}

function artifactItem(rows: LiveRow[], meta: string | undefined): ArtifactItem {
  const newest = newestRow(rows);
  const versions = newestFirst(newest.format, rows.map((r) => r.version));
  const distributions = sorted(rows.map((r) => r.distribution));
  return {
    name: newest.name,
    format: newest.format,
    description: describe(meta),
    latest_version: newest.version,
    version_count: versions.length,
    versions,
    distribution: rows.find((r) => r.packageId === newest.packageId)?.distribution ?? distributions[0],
    distributions,
    arches: sorted(rows.map((r) => r.arch)),
    updated_at: rows.map((r) => r.createdAt).sort().at(-1) ?? '',
  };
}
