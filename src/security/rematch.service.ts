import type { Actor } from '../core/actor.js';
import type { MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { PackageStateRow } from '../store/sql/findings.store.js';
import type { Repository } from '../store/sql/repositories.store.js';
import type { PackageSubject } from '../store/sql/security-packages.store.js';
import { type OpenFinding, assess } from './assess.js';
import { type FindingDiff, applyDiff, diffFindings, toOpenFinding } from './finding-sync.js';
import { Matcher } from './matcher.js';
import { changeMembers } from './membership.js';
import { effectivePolicy } from './policy.js';
import { activeDecision } from './security-gate.js';
import type { SecuritySettingsService } from './security-settings.service.js';
import type { SecurityDeps } from './security.types.js';

export interface RematchCounts {
  repositories: number;
  packages: number;
  new_findings: number;
  resolved_findings: number;
  to_review: number;
  withdrawn: number;
  readmitted: number;
}

const SYSTEM: Actor = { username: 'system', role: 'system' };
const HELD = new Set(['pending_review', 'blocked']);

/**
 * Re-matches every stored package after a feed change. Per repository: one indexed read of the candidate
 * advisories for all its source names, one read of its findings, a diff in memory, then one transaction
 * that records findings, moves packages with new findings to review (or withdraws them in a new snapshot
 * when the policy blocks), and audits each change. The repository is republished when its content changed.
 */
export class RematchService {
  constructor(
    private readonly deps: SecurityDeps,
    private readonly settings: SecuritySettingsService,
  ) {}

  async rematchAll(progress?: (done: number, total: number) => Promise<void>): Promise<RematchCounts> {
    const total: RematchCounts = { repositories: 0, packages: 0, new_findings: 0, resolved_findings: 0, to_review: 0, withdrawn: 0, readmitted: 0 };
    const repos = await this.deps.repositories.list();
    for (const [i, repo] of repos.entries()) {
      const c = await this.rematchRepository(repo);
      for (const k of Object.keys(total) as Array<keyof RematchCounts>) total[k] += c[k];
      await progress?.(i + 1, repos.length);
    }
    return total;
  }

  async rematchRepository(repo: Repository): Promise<RematchCounts> {
    const { deps } = this;
    const counts: RematchCounts = { repositories: 1, packages: 0, new_findings: 0, resolved_findings: 0, to_review: 0, withdrawn: 0, readmitted: 0 };
    const subjects = await deps.packages.ofRepository(repo.id);
    counts.packages = subjects.length;
    const keys = await this.settings.releaseKeys(repo.name);
    const names = [...new Set(subjects.flatMap(Matcher.lookupNames))];
    const byName = new Map<string, MatchableAdvisory[]>();
    for (const a of await deps.advisories.lookup(keys, names)) {
      const list = byName.get(a.source_package);
      if (list) list.push(a);
      else byName.set(a.source_package, [a]);
    }
    const existing = new Map<number, Awaited<ReturnType<typeof deps.findings.forRepository>>>();
    for (const f of await deps.findings.forRepository(repo.id)) {
      const list = existing.get(f.package_id);
      if (list) list.push(f);
      else existing.set(f.package_id, [f]);
    }
    const now = deps.clock.now().toISOString();
    const matcher = new Matcher();
    const all: FindingDiff = { insert: [], reopen: [], close: [], update: [], fresh: 0 };
    const changed: Array<{ pkg: PackageSubject; open: OpenFinding[] }> = [];
    for (const pkg of subjects) {
      const candidates = Matcher.lookupNames(pkg).flatMap((n) => byName.get(n) ?? []);
      const matches = matcher.affecting(pkg, candidates);
      const diff = diffFindings(pkg, repo.id, existing.get(pkg.id) ?? [], matches, now);
      all.insert.push(...diff.insert);
      all.reopen.push(...diff.reopen);
      all.close.push(...diff.close);
      all.update.push(...diff.update);
      counts.new_findings += diff.fresh;
      counts.resolved_findings += diff.close.length;
      if (diff.fresh || diff.close.length) changed.push({ pkg, open: matches.map(toOpenFinding) });
    }
    if (!all.insert.length && !all.reopen.length && !all.close.length && !all.update.length) return counts;

    const policy = effectivePolicy(await this.settings.policy(), repo.name);
    const snapshot = await deps.db.transaction().execute(async (trx) => {
      await applyDiff(deps, trx, all, now);
      const nextStates: PackageStateRow[] = [];
      const decisions = await deps.decisions.activeForRepository(repo.id, trx);
      const states = await deps.findings.statesOfRepository(repo.id, trx);
      const live = await deps.packages.liveIds(repo.id, trx);
      const add: number[] = [];
      const remove: number[] = [];
      for (const { pkg, open } of changed) {
        const a = assess(open, activeDecision(decisions.get(pkg.id)), policy, now);
        const prev = states.get(pkg.id);
        const audit = { actor: SYSTEM, package: pkg.name, version: pkg.version, distribution: repo.name, detail: { arch: pkg.arch, reason: a.reason, findings: a.summary } };
        if (live.has(pkg.id) && a.verdict === 'block') {
          remove.push(pkg.id);
          counts.withdrawn++;
          await deps.audit.record(trx, { ...audit, action: 'QUARANTINE', result: 'BLOCKED' });
        } else if (live.has(pkg.id) && a.verdict === 'review' && prev?.status !== a.status) {
          counts.to_review++;
          await deps.audit.record(trx, { ...audit, action: 'RESCAN', result: 'PENDING' });
        } else if (!live.has(pkg.id) && prev && HELD.has(prev.status) && (a.verdict === 'allow' || a.verdict === 'warn')) {
          add.push(pkg.id);
          counts.readmitted++;
          await deps.audit.record(trx, { ...audit, action: 'RESCAN', result: 'SUCCESS' });
        }
        if (prev || open.length) nextStates.push({ package_id: pkg.id, repository_id: repo.id, status: a.status, reason: a.reason, updated_at: now, updated_by: 'rematch' });
      }
      await deps.findings.putStates(trx, nextStates);
      const number = await changeMembers(deps, trx, repo.id, { add, remove }, `security re-match: ${remove.length} withdrawn, ${add.length} readmitted`, SYSTEM.username, now);
      await deps.audit.record(trx, { actor: SYSTEM, action: 'RESCAN', result: 'SUCCESS', distribution: repo.name, detail: { ...counts, snapshot: number } });
      return number;
    });
    if (snapshot !== null) await deps.publisher.publish(repo.id);
    return counts;
  }
}
