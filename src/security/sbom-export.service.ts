import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { cyclonedxChunks, cyclonedxRef, type CycloneDxSpec, type ResolvedPackage } from '../formats/sbom/cyclonedx.js';
import { DependencyIndex } from '../formats/sbom/dependencies.js';
import { toSbomPackage } from '../formats/sbom/sbom-package.js';
import type { SbomDocumentInfo, SbomPackage } from '../formats/sbom/sbom.types.js';
import { spdxChunks, spdxRef } from '../formats/sbom/spdx.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SbomRow, SbomStore } from '../store/sql/sbom.store.js';

export type SbomFormat = 'cyclonedx' | 'spdx';

export interface SbomRequest {
  format: SbomFormat;
  specVersion: CycloneDxSpec;
  distribution?: string;
  arch?: string;
  /** Base URI for document namespaces (the server's public URL). */
  baseUrl: string;
}

export interface SbomDocumentStream {
  filename: string;
  contentType: string;
  chunks: AsyncIterable<string>;
}

export interface SbomExportDeps {
  repositories: RepositoriesStore;
  sbom: SbomStore;
  clock: Clock;
  newSerial: () => string;
  toolVersion: string;
}

const PAGE = 500;
const INDEP = { deb: 'all', rpm: 'noarch' } as const;

/**
 * SBOM export of one package (with the packages it depends on in its distribution, transitively) or of
 * whole distributions. Streams: rows are read in pages and rendered one component at a time; besides the
 * output, only the per-distribution name → ref index and the dependency graph are held in memory.
 */
export class SbomExportService {
  constructor(private readonly deps: SbomExportDeps) {}

  async packageSbom(name: string, version: string, req: SbomRequest): Promise<SbomDocumentStream> {
    const found = (await this.deps.sbom.liveByNameVersion(name, version)).filter(
      (m) => (!req.distribution || m.repository === req.distribution) && (!req.arch || m.arch === req.arch),
    );
    if (!found.length) throw new AppError('NOT_FOUND', `no published package ${name} ${version}${req.distribution ? ` in ${req.distribution}` : ''}${req.arch ? ` for ${req.arch}` : ''}`);
    const member = found[0];
    const repo = (await this.deps.repositories.getById(member.repositoryId))!;
    const refOf = this.refFunction(req.format);
    const index = await this.buildIndex(repo, refOf);
    const [subjectRow] = await this.deps.sbom.rows([member.packageId], true);
    const subjectPkg = this.toPackage(subjectRow, repo);
    const subjectRef = refOf(subjectPkg);
    const subject = { pkg: subjectPkg, dependsOn: index.deps.resolve(subjectRef, subjectPkg) };
    const closure = await this.closure(repo, index, subject, refOf);
    const info = this.info(`${name} ${version}`, req.baseUrl);
    const rest = this.stream(repo, index, refOf, { withFiles: true, ids: closure });
    return {
      filename: `${safe(name)}_${safe(version)}_${safe(subjectPkg.arch)}${req.format === 'spdx' ? '.spdx.json' : '.cdx.json'}`,
      contentType: this.contentType(req),
      chunks: req.format === 'spdx' ? spdxChunks(info, subject, rest) : cyclonedxChunks(info, req.specVersion, subject, rest),
    };
  }

  async exportSbom(req: SbomRequest): Promise<SbomDocumentStream> {
    let repos: Repository[];
    if (req.distribution) {
      const repo = await this.deps.repositories.getByName(req.distribution);
      if (!repo) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${req.distribution}"`);
      repos = [repo];
    } else {
      repos = await this.deps.repositories.list();
    }
    const refOf = this.refFunction(req.format);
    const self = this;
    async function* all(): AsyncGenerator<ResolvedPackage> {
      for (const repo of repos) {
        const arches = req.arch ? [req.arch, INDEP[repo.format]] : undefined;
        const index = await self.buildIndex(repo, refOf, arches);
        yield* self.stream(repo, index, refOf, { withFiles: true, arches });
      }
    }
    const info = this.info(`packyard ${req.distribution ?? 'all distributions'}`, req.baseUrl);
    const stamp = info.timestamp.replace(/[-:]/g, '').slice(0, 15);
    return {
      filename: `sbom-${req.distribution ? `${safe(req.distribution)}-` : ''}${stamp}${req.format === 'spdx' ? '.spdx.json' : '.cdx.json'}`,
      contentType: this.contentType(req),
      chunks: req.format === 'spdx' ? spdxChunks(info, null, all()) : cyclonedxChunks(info, req.specVersion, null, all()),
    };
  }

  private contentType(req: SbomRequest): string {
    return req.format === 'spdx' ? 'application/spdx+json' : `application/vnd.cyclonedx+json; version=${req.specVersion}`;
  }

  private info(name: string, baseUrl: string): SbomDocumentInfo {
    return { serial: this.deps.newSerial(), timestamp: this.deps.clock.now().toISOString(), name, toolVersion: this.deps.toolVersion, namespaceBase: baseUrl };
  }

  private refFunction(format: SbomFormat): (p: SbomPackage) => string {
    return format === 'spdx' ? spdxRef : cyclonedxRef;
  }

  private toPackage(row: SbomRow, repo: Repository): SbomPackage {
    return toSbomPackage({
      meta: JSON.parse(row.meta),
      files: row.files ? JSON.parse(row.files) : [],
      version: row.version,
      filename: row.filename,
      facts: { size: row.size, sha256: row.sha256, sha1: row.sha1, md5: row.md5 },
      distribution: repo.name,
    });
  }

  /** First pass over a distribution: every name and provide → ref, and ref → package id. */
  private async buildIndex(repo: Repository, refOf: (p: SbomPackage) => string, arches?: string[]): Promise<{ deps: DependencyIndex; ids: Map<string, number> }> {
    const deps = new DependencyIndex(repo.format);
    const ids = new Map<string, number>();
    for await (const row of this.rows(repo, { withFiles: false, arches })) {
      const pkg = this.toPackage(row, repo);
      const ref = refOf(pkg);
      if (ids.has(ref)) continue;
      ids.set(ref, row.id);
      deps.add(ref, pkg);
    }
    return { deps, ids };
  }

  /** Package ids of everything the subject pulls in, transitively, within its distribution. */
  private async closure(repo: Repository, index: { deps: DependencyIndex; ids: Map<string, number> }, subject: ResolvedPackage, refOf: (p: SbomPackage) => string): Promise<number[]> {
    const seen = new Set<number>([index.ids.get(refOf(subject.pkg))!]);
    let frontier = subject.dependsOn.map((r) => index.ids.get(r)!).filter((id) => !seen.has(id));
    const out: number[] = [];
    while (frontier.length) {
      for (const id of frontier) seen.add(id);
      out.push(...frontier);
      const next = new Set<number>();
      for await (const row of this.rows(repo, { withFiles: false, ids: frontier })) {
        const pkg = this.toPackage(row, repo);
        for (const r of index.deps.resolve(refOf(pkg), pkg)) {
          const id = index.ids.get(r)!;
          if (!seen.has(id)) next.add(id);
        }
      }
      frontier = [...next];
    }
    return out.sort((a, b) => a - b);
  }

  private async *rows(repo: Repository, opts: { withFiles: boolean; arches?: string[]; ids?: number[] }): AsyncGenerator<SbomRow> {
    const ids = opts.ids ?? (await this.deps.sbom.liveIds(repo.id, opts.arches));
    for (const page of chunk(ids, PAGE)) yield* await this.deps.sbom.rows(page, opts.withFiles);
  }

  private async *stream(repo: Repository, index: { deps: DependencyIndex; ids: Map<string, number> }, refOf: (p: SbomPackage) => string, opts: { withFiles: boolean; arches?: string[]; ids?: number[] }): AsyncGenerator<ResolvedPackage> {
    const emitted = new Set<string>();
    for await (const row of this.rows(repo, opts)) {
      const pkg = this.toPackage(row, repo);
      const ref = refOf(pkg);
      if (emitted.has(ref) || index.ids.get(ref) !== row.id) continue;
      emitted.add(ref);
      yield { pkg, dependsOn: index.deps.resolve(ref, pkg) };
    }
  }
}

function chunk<T>(xs: T[], n: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += n) out.push(xs.slice(i, i + n));
  return out;
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9.+~_-]/g, '_');
