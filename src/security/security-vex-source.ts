import { packagePurl, purlVendor } from '../formats/sbom/purl.js';
import type { VexDecision, VexFinding } from '../formats/sbom/vex.types.js';
import type { DecisionRow } from '../store/sql/decisions.store.js';
import type { FindingView } from '../store/sql/findings.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SecurityPackagesStore } from '../store/sql/security-packages.store.js';
import type { SecurityService } from './security.service.js';
import type { VexScope, VexSource } from './vex-source.js';

const SEVERITIES = new Set<VexFinding['severity']>(['critical', 'high', 'medium', 'low', 'negligible', 'unknown']);

/** The VEX exports' view of the security area: its findings and decisions as plain VEX input. */
export class SecurityVexSource implements VexSource {
  constructor(private readonly deps: { security: SecurityService; repositories: RepositoriesStore; packages: SecurityPackagesStore }) {}

  async findingsFor(scope: VexScope): Promise<VexFinding[]> {
    const repos = await this.repositoriesIn(scope);
    const formatOf = new Map(repos.map((r) => [r.name, r.format]));
    const rows: FindingView[] = [];
    for (const q of await this.queries(scope, repos)) rows.push(...(await this.deps.security.findingsFor(q)));
    return rows.filter((f) => formatOf.has(f.distribution)).map((f) => toFinding(f, formatOf.get(f.distribution)!));
  }

  async decisionsFor(scope: VexScope): Promise<VexDecision[]> {
    const repos = await this.repositoriesIn(scope);
    const names = new Set(repos.map((r) => r.name));
    const rows: DecisionRow[] = [];
    for (const q of await this.queries(scope, repos)) rows.push(...(await this.deps.security.decisionsFor(q)));
    const seen = new Set<number>();
    return rows.filter((d) => names.has(d.distribution) && !seen.has(d.id) && seen.add(d.id)).map(toDecision);
  }

  private async repositoriesIn(scope: VexScope): Promise<Repository[]> {
    const all = await this.deps.repositories.list();
    return scope.distribution ? all.filter((r) => r.name === scope.distribution) : all;
  }

  /** One query per package of the scope, or one per repository when the scope names no package. */
  private async queries(scope: VexScope, repos: Repository[]): Promise<Array<{ packageId?: number; repositoryId?: number }>> {
    if (scope.package) {
      const pkgs = await this.deps.packages.byNameVersion(scope.package.name, scope.package.version, scope.package.arch);
      return pkgs.map((p) => ({ packageId: p.id }));
    }
    return repos.map((r) => ({ repositoryId: r.id }));
  }
}

function toFinding(f: FindingView, format: 'deb' | 'rpm'): VexFinding {
  const ids = JSON.parse(f.cve_ids) as string[];
  const severity = SEVERITIES.has(f.severity as VexFinding['severity']) ? (f.severity as VexFinding['severity']) : 'unknown';
  const purl = packagePurl({ format, vendor: purlVendor(format, f.distribution), name: f.name, version: f.version, arch: f.arch, distribution: f.distribution });
  return {
    advisoryId: f.advisory_id,
    aliases: ids.filter((id) => id !== f.advisory_id),
    severity,
    package: { name: f.name, version: f.version, arch: f.arch, purl },
    fixedVersion: f.fixed_version || null,
    state: f.state === 'resolved' ? 'resolved' : 'open',
    ...(f.summary ? { description: f.summary } : {}),
  };
}

function toDecision(d: DecisionRow): VexDecision {
  const ids = JSON.parse(d.cve_ids) as string[];
  return {
    action: d.action as VexDecision['action'],
    justification: d.justification,
    actor: d.actor,
    at: d.created_at,
    package: { name: d.name, version: d.version, arch: d.arch || null },
    advisoryIds: ids.length ? ids : null,
    expiresAt: d.expires_at,
    targetVersion: d.target_version || null,
  };
}
