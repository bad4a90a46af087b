import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { JobService } from '../jobs/job.service.js';
import type { JobsStore } from '../store/sql/jobs.store.js';
import type { DecisionRow } from '../store/sql/decisions.store.js';
import type { FindingView } from '../store/sql/findings.store.js';
import { DecisionService } from './decision.service.js';
import { FEED_IMPORT_JOB, FeedService } from './feed.service.js';
import { RematchService } from './rematch.service.js';
import { SecurityGate } from './security-gate.js';
import { SecuritySettingsService } from './security-settings.service.js';
import type { SecurityDeps } from './security.types.js';

const TICK_JOB = 'security.tick';
const TICK_MS = 10 * 60 * 1000;
const REVIEW_STATUSES = ['pending_review', 'blocked', 'upgrade_required'];

export interface Page {
  page: number;
  perPage: number;
}

/** The security area's entry point for routes and other areas (the VEX export reads findingsFor/decisionsFor). */
export class SecurityService {
  readonly settings: SecuritySettingsService;
  readonly gate: SecurityGate;
  readonly rematch: RematchService;
  readonly decisions: DecisionService;
  readonly feeds: FeedService;

  constructor(private readonly deps: SecurityDeps) {
    this.settings = new SecuritySettingsService(deps);
    this.gate = new SecurityGate(deps, this.settings);
    this.rematch = new RematchService(deps, this.settings);
    this.decisions = new DecisionService(deps, this.settings);
    this.feeds = new FeedService(deps, this.settings, this.rematch);
  }

  /** Registers the area's jobs and starts the periodic tick (exception expiry, due feed refreshes). */
  async start(jobs: JobService, jobsStore: JobsStore): Promise<void> {
    jobs.register(FEED_IMPORT_JOB, (p, ctx) => this.feeds.runImport(p, ctx));
    jobs.register('security.rematch', async (_p, ctx) => ({ ...(await this.rematch.rematchAll((d, t) => ctx.progress((100 * d) / t))) }));
    jobs.register(TICK_JOB, async () => {
      const expired = await this.decisions.expireDue();
      const refreshed = await this.feeds.enqueueDue();
      await jobs.enqueue(TICK_JOB, {}, { lockKey: TICK_JOB, createdBy: 'system', runAfter: new Date(this.deps.clock.now().getTime() + TICK_MS) });
      return { expired, refreshed };
    });
    const pending = await jobsStore.list({ kind: TICK_JOB, state: 'queued', limit: 1, offset: 0 });
    if (pending.total === 0) await jobs.enqueue(TICK_JOB, {}, { lockKey: TICK_JOB, createdBy: 'system', runAfter: new Date(this.deps.clock.now().getTime() + TICK_MS) });
  }

  async enqueueRematch(actor: Actor): Promise<number> {
    return this.deps.jobs.enqueue('security.rematch', {}, { lockKey: 'security-feeds', createdBy: actor.username });
  }

  /** Maps a distribution to feed releases and re-matches its packages against them. */
  async setReleases(actor: Actor, distribution: string, releases: string[]): Promise<number> {
    await this.settings.setReleases(actor, distribution, releases);
    return this.enqueueRematch(actor);
  }

  async reviewQueue(p: Page) {
    await this.decisions.expireDue();
    const { items, total } = await this.deps.findings.statesWith(REVIEW_STATUSES, p.perPage, (p.page - 1) * p.perPage);
    const counts = await this.deps.findings.countStates(REVIEW_STATUSES);
    const packages = await Promise.all(
      items.map(async (s) => ({
        name: s.name,
        version: s.version,
        arch: s.arch,
        pkg_format: s.format,
        distribution: s.distribution,
        status: s.status,
        reason: s.reason,
        updated_at: s.updated_at,
        cve_results: (await this.findingsFor({ packageId: s.package_id, repositoryId: s.repository_id })).map(cveResult),
        decision: (await this.deps.decisions.active(s.package_id, s.repository_id)) ?? null,
      })),
    );
    return { total, blocked_count: counts.blocked ?? 0, review_count: (counts.pending_review ?? 0) + (counts.upgrade_required ?? 0), page: p.page, per_page: p.perPage, packages };
  }

  /** Repod's listing: one entry per advisory with the packages it affects, paginated by advisory. */
  async vulnerabilities(filter: { severity?: string; fixState?: string; distribution?: string } & Page) {
    const repositoryId = filter.distribution ? await this.repoId(filter.distribution) : undefined;
    const base = { severity: filter.severity, fixState: filter.fixState, repositoryId };
    const { ids, total } = await this.deps.findings.advisoryPage({ ...base, limit: filter.perPage, offset: (filter.page - 1) * filter.perPage });
    const { items } = await this.deps.findings.list({ ...base, advisoryIds: ids, limit: 100_000, offset: 0 });
    const byId = new Map<string, ReturnType<typeof cveResult> & { affected_packages: Array<Record<string, string>> }>();
    for (const f of items) {
      const r = cveResult(f);
      let v = byId.get(f.advisory_id);
      if (!v) byId.set(f.advisory_id, (v = { ...r, affected_packages: [] }));
      for (const fix of r.fix_versions) if (!v.fix_versions.includes(fix)) v.fix_versions.push(fix);
      v.affected_packages.push({ name: f.name, version: f.version, arch: f.arch, distribution: f.distribution, fixed_version: f.fixed_version });
    }
    const counts = await this.deps.findings.severityCounts(repositoryId);
    const summary = Object.fromEntries(['critical', 'high', 'medium', 'low', 'negligible', 'unknown'].map((s) => [s, counts[s] ?? 0]));
    const vulnerabilities = ids.map((id) => byId.get(id)!).filter(Boolean);
    const packages = [...new Set(items.map((f) => f.name))].sort();
    return { summary, total, page: filter.page, per_page: filter.perPage, vulnerabilities, packages };
  }

  async packageCves(name: string, version: string, arch?: string) {
    const pkgs = await this.subjects(name, version, arch);
    const results = (await Promise.all(pkgs.map((p) => this.findingsFor({ packageId: p.id })))).flat().map(cveResult);
    const cve_counts: Record<string, number> = {};
    for (const r of results) cve_counts[r.severity] = (cve_counts[r.severity] ?? 0) + 1;
    return { package: name, version, cve_counts, total: results.length, cve_results: results, has_structured_data: true };
  }

  async packageDecision(name: string, version: string, arch?: string) {
    await this.decisions.expireDue();
    const pkgs = await this.subjects(name, version, arch);
    const out = [];
    for (const p of pkgs) {
      for (const s of await this.deps.findings.statesOfPackage(p.id)) {
        const repo = await this.deps.repositories.getById(s.repository_id);
        const decision = (await this.deps.decisions.active(p.id, s.repository_id)) ?? null;
        out.push({ name: p.name, version: p.version, arch: p.arch, distribution: repo?.name ?? '', status: s.status, reason: s.reason, decision: decision && decisionView(decision, this.deps.clock.now()) });
      }
    }
    const history = (await this.deps.decisions.list({ packageIds: pkgs.map((p) => p.id), limit: 200, offset: 0 })).items.map((d) => decisionView(d, this.deps.clock.now()));
    return { package: name, version, states: out, status: out[0]?.status ?? 'accepted', decision: out.find((o) => o.decision)?.decision ?? null, history };
  }

  async listDecisions(filter: { distribution?: string } & Page) {
    await this.decisions.expireDue();
    const repositoryId = filter.distribution ? await this.repoId(filter.distribution) : undefined;
    const { items, total } = await this.deps.decisions.list({ repositoryId, limit: filter.perPage, offset: (filter.page - 1) * filter.perPage });
    return { total, page: filter.page, per_page: filter.perPage, decisions: items.map((d) => decisionView(d, this.deps.clock.now())) };
  }

  /** Plain open findings of one package, optionally in one repository, or of a whole repository. */
  async findingsFor(q: { packageId?: number; repositoryId?: number }): Promise<FindingView[]> {
    if (q.packageId === undefined && q.repositoryId === undefined) throw new AppError('VALIDATION_FAILED', 'findingsFor needs a package or a repository');
    const out: FindingView[] = [];
    for (let offset = 0; ; offset += 1000) {
      const { items } = await this.deps.findings.list({ repositoryId: q.repositoryId, packageIds: q.packageId !== undefined ? [q.packageId] : undefined, limit: 1000, offset });
      out.push(...items);
      if (items.length < 1000) return out;
    }
  }

  /** Plain decision rows (full history, newest first) of one package or of a whole repository. */
  async decisionsFor(q: { packageId?: number; repositoryId?: number }): Promise<DecisionRow[]> {
    const { items } = await this.deps.decisions.list({ packageIds: q.packageId !== undefined ? [q.packageId] : undefined, repositoryId: q.repositoryId, limit: 100_000, offset: 0 });
    return items;
  }

  private async subjects(name: string, version: string, arch?: string) {
    const pkgs = await this.deps.packages.byNameVersion(name, version, arch);
    if (!pkgs.length) throw new AppError('NOT_FOUND', `no package ${name} ${version}`);
    return pkgs;
  }

  private async repoId(name: string): Promise<number> {
    const r = await this.deps.repositories.getByName(name);
    if (!r) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${name}"`);
    return r.id;
  }
}

export function cveResult(f: FindingView) {
  const cves = JSON.parse(f.cve_ids) as string[];
  return {
    id: cves[0] ?? f.advisory_id,
    advisory_id: f.advisory_id,
    aliases: cves,
    severity: f.severity,
    cvss: f.cvss_score,
    description: f.summary ?? '',
    fix_state: f.fix_state,
    fix_versions: f.fixed_version ? [f.fixed_version] : [],
    urls: f.urls ? (JSON.parse(f.urls) as string[]) : [],
    package_name: f.name,
    package_version: f.version,
    arch: f.arch,
    distribution: f.distribution,
    state: f.state,
    first_seen: f.first_seen,
  };
}

export function decisionView(d: DecisionRow, now: Date) {
  const remaining = d.expires_at ? Math.ceil((Date.parse(d.expires_at) - now.getTime()) / 86_400_000) : null;
  return {
    id: d.id,
    name: d.name,
    version: d.version,
    arch: d.arch,
    distribution: d.distribution,
    action: d.action,
    justification: d.justification,
    cve_ids: JSON.parse(d.cve_ids) as string[],
    expires_at: d.expires_at,
    target_version: d.target_version,
    state: d.state,
    decided_by: d.actor,
    decided_at: d.created_at,
    ended_at: d.ended_at,
    sla: { has_sla: d.expires_at !== null, expires_at: d.expires_at, remaining_days: remaining, expired: remaining !== null && remaining <= 0, warning: remaining !== null && remaining <= 7 },
  };
}
