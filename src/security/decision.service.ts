import type { Actor } from '../core/actor.js';
import { AppError } from '../core/errors.js';
import type { DecisionRow } from '../store/sql/decisions.store.js';
import { type PackageStatus, assess, findingIds } from './assess.js';
import { toOpenFinding } from './finding-sync.js';
import { changeMembers } from './membership.js';
import { effectivePolicy } from './policy.js';
import { activeDecision } from './security-gate.js';
import type { SecuritySettingsService } from './security-settings.service.js';
import type { SecurityDeps } from './security.types.js';

export type DecisionAction = 'approve' | 'accept_risk' | 'exception' | 'reject' | 'upgrade_required';

/** Repod's documented body ({decision, justification}) and its code's richer one ({action, ...}). */
export interface DecideInput {
  decision?: 'approve' | 'reject';
  action?: 'accept_risk' | 'exception' | 'reject' | 'upgrade_required';
  justification?: string;
  expires_in_days?: number;
  target_version?: string;
  cve_ids?: string[];
  arch?: string;
  distribution?: string;
}

export interface DecideResult {
  status: 'ok';
  action: DecisionAction;
  new_status: PackageStatus;
  decisions: DecisionRow[];
  message: string;
}

const STATUS: Record<DecisionAction, PackageStatus> = {
  approve: 'approved',
  accept_risk: 'accepted_risk',
  exception: 'exception',
  reject: 'quarantined',
  upgrade_required: 'upgrade_required',
};

const SYSTEM: Actor = { username: 'system', role: 'system' };

/**
 * Human verdicts. A decision applies to every (package, distribution) of that name and version under
 * review (optionally narrowed by arch or distribution), supersedes the previous decision there, and changes
 * the repository in a new snapshot: approve/accept/exception publish, reject and upgrade_required withdraw.
 */
export class DecisionService {
  constructor(
    private readonly deps: SecurityDeps,
    private readonly settings: SecuritySettingsService,
  ) {}

  async decide(actor: Actor, name: string, version: string, input: DecideInput): Promise<DecideResult> {
    const { deps } = this;
    const action: DecisionAction | undefined = input.action ?? input.decision;
    if (!action) throw new AppError('VALIDATION_FAILED', 'either "decision" (approve|reject) or "action" is required');
    const justification = (input.justification ?? '').trim();
    if (!justification) throw new AppError('JUSTIFICATION_REQUIRED', 'a decision needs a justification');
    if (action === 'upgrade_required' && !input.target_version?.trim()) throw new AppError('DECISION_INVALID', 'upgrade_required needs "target_version"');
    const days = input.expires_in_days ?? (action === 'exception' ? 30 : undefined);
    const now = deps.clock.now();
    const expiresAt = days !== undefined && (action === 'exception' || action === 'accept_risk') ? new Date(now.getTime() + days * 86_400_000).toISOString() : null;

    const subjects = await deps.packages.byNameVersion(name, version, input.arch);
    if (!subjects.length) throw new AppError('NOT_FOUND', `no package ${name} ${version}${input.arch ? ` (${input.arch})` : ''}`);
    const targets: Array<{ pkgId: number; repoId: number }> = [];
    for (const p of subjects) {
      for (const s of await deps.findings.statesOfPackage(p.id)) targets.push({ pkgId: p.id, repoId: s.repository_id });
    }
    const repos = new Map((await deps.repositories.list()).map((r) => [r.id, r]));
    const chosen = targets.filter((t) => !input.distribution || repos.get(t.repoId)?.name === input.distribution);
    if (!chosen.length) throw new AppError('NOT_REVIEWABLE', `${name} ${version} has no security findings or review${input.distribution ? ` in ${input.distribution}` : ''}`);

    const decisions: DecisionRow[] = [];
    const changedRepos = new Set<number>();
    const at = now.toISOString();
    for (const { pkgId, repoId } of chosen) {
      const pkg = subjects.find((p) => p.id === pkgId)!;
      const repo = repos.get(repoId)!;
      await deps.db.transaction().execute(async (trx) => {
        const open = (await deps.findings.forPackage(pkgId, repoId, trx)).filter((f) => f.state === 'open');
        const covered = input.cve_ids?.length ? input.cve_ids : [...new Set(open.flatMap((f) => findingIds(toOpenFinding(f))))].sort();
        const previous = await deps.decisions.active(pkgId, repoId, trx);
        if (previous) await deps.decisions.end(trx, [previous.id], 'superseded', at);
        const id = await deps.decisions.insert(trx, {
          package_id: pkgId,
          repository_id: repoId,
          name: pkg.name,
          version: pkg.version,
          arch: pkg.arch,
          distribution: repo.name,
          action,
          justification,
          cve_ids: JSON.stringify(covered),
          expires_at: expiresAt,
          target_version: input.target_version?.trim() ?? '',
          state: 'active',
          actor: actor.username,
          role: actor.role,
          created_at: at,
          ended_at: null,
        });
        const publish = action === 'approve' || action === 'accept_risk' || action === 'exception';
        const change = publish ? { add: [pkgId] } : { remove: [pkgId] };
        const snapshot = await changeMembers(deps, trx, repoId, change, `decision ${action} on ${pkg.name} ${pkg.version}`, actor.username, at);
        if (snapshot !== null) changedRepos.add(repoId);
        await deps.findings.putState(trx, { package_id: pkgId, repository_id: repoId, status: STATUS[action], reason: justification, updated_at: at, updated_by: actor.username });
        await deps.audit.record(trx, {
          actor,
          action: 'DECISION',
          result: 'SUCCESS',
          package: pkg.name,
          version: pkg.version,
          distribution: repo.name,
          detail: { decision_id: id, action, justification, arch: pkg.arch, cve_ids: covered, expires_at: expiresAt, target_version: input.target_version ?? '', snapshot },
        });
        decisions.push((await deps.decisions.active(pkgId, repoId, trx))!);
      });
    }
    for (const repoId of changedRepos) await deps.publisher.publish(repoId);
    const where = [...new Set(decisions.map((d) => d.distribution))].join(', ');
    return { status: 'ok', action, new_status: STATUS[action], decisions, message: `${action} recorded for ${name} ${version} in ${where}` };
  }

  /** Ends exceptions past their expiry: the package goes back to review (withdrawn if the policy blocks). */
  async expireDue(): Promise<number> {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    const due = await deps.decisions.expired(now);
    const changedRepos = new Set<number>();
    for (const d of due) {
      await deps.db.transaction().execute(async (trx) => {
        await deps.decisions.end(trx, [d.id], 'expired', now);
        const open = (await deps.findings.forPackage(d.package_id, d.repository_id, trx)).filter((f) => f.state === 'open').map(toOpenFinding);
        const next = activeDecision(await deps.decisions.active(d.package_id, d.repository_id, trx));
        const a = assess(open, next, effectivePolicy(await this.settings.policy(trx), d.distribution), now);
        const status = a.verdict === 'allow' || a.verdict === 'warn' ? 'pending_review' : a.status;
        const snapshot = a.verdict === 'block' ? await changeMembers(deps, trx, d.repository_id, { remove: [d.package_id] }, `decision #${d.id} expired`, SYSTEM.username, now) : null;
        if (snapshot !== null) changedRepos.add(d.repository_id);
        await deps.findings.putState(trx, { package_id: d.package_id, repository_id: d.repository_id, status, reason: `decision #${d.id} (${d.action}) expired`, updated_at: now, updated_by: 'system' });
        await deps.audit.record(trx, { actor: SYSTEM, action: 'DECISION', result: 'PENDING', package: d.name, version: d.version, distribution: d.distribution, detail: { decision_id: d.id, expired: true, status, snapshot } });
      });
    }
    for (const repoId of changedRepos) await deps.publisher.publish(repoId);
    return due.length;
  }
}
