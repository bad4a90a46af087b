import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import type { CycloneDxSpec } from '../formats/sbom/cyclonedx.js';
import { cyclonedxVexDocument } from '../formats/sbom/cyclonedx-vex.js';
import { openVexDocument } from '../formats/sbom/openvex.js';
import type { VexDocumentInfo } from '../formats/sbom/vex.types.js';
import type { RepositoriesStore } from '../store/sql/repositories.store.js';
import type { SbomStore } from '../store/sql/sbom.store.js';
import type { VexScope, VexSource } from './vex-source.js';

export type VexFormat = 'openvex' | 'cyclonedx';

export interface VexRequest {
  format: VexFormat;
  specVersion: CycloneDxSpec;
  distribution?: string;
  baseUrl: string;
}

export interface VexExportDeps {
  source: VexSource;
  repositories: RepositoriesStore;
  sbom: SbomStore;
  clock: Clock;
  newSerial: () => string;
  toolVersion: string;
}

/** VEX documents (OpenVEX, CycloneDX VEX) of a distribution, of everything, or of one package version. */
export class VexExportService {
  constructor(private readonly deps: VexExportDeps) {}

  async distributionVex(req: VexRequest): Promise<{ contentType: string; document: Record<string, unknown> }> {
    if (req.distribution && !(await this.deps.repositories.getByName(req.distribution))) {
      throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${req.distribution}"`);
    }
    return this.build(req, req.distribution ? { distribution: req.distribution } : {});
  }

  async packageVex(name: string, version: string, arch: string | undefined, req: VexRequest): Promise<{ contentType: string; document: Record<string, unknown> }> {
    const live = (await this.deps.sbom.liveByNameVersion(name, version)).filter(
      (m) => (!req.distribution || m.repository === req.distribution) && (!arch || m.arch === arch),
    );
    if (!live.length) throw new AppError('NOT_FOUND', `no package ${name} ${version}${req.distribution ? ` in ${req.distribution}` : ''}`);
    return this.build(req, { ...(req.distribution ? { distribution: req.distribution } : {}), package: { name, version, ...(arch ? { arch } : {}) } });
  }

  private async build(req: VexRequest, scope: VexScope): Promise<{ contentType: string; document: Record<string, unknown> }> {
    const [findings, decisions] = await Promise.all([this.deps.source.findingsFor(scope), this.deps.source.decisionsFor(scope)]);
    const info: VexDocumentInfo = {
      serial: this.deps.newSerial(),
      timestamp: this.deps.clock.now().toISOString(),
      author: 'Packyard',
      toolVersion: this.deps.toolVersion,
      namespaceBase: req.baseUrl,
    };
    if (req.format === 'openvex') return { contentType: 'application/json', document: openVexDocument(info, findings, decisions) };
    return { contentType: `application/vnd.cyclonedx+json; version=${req.specVersion}`, document: cyclonedxVexDocument(info, req.specVersion, findings, decisions) };
  }
}
