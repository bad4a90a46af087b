import type { Kysely } from 'kysely';
import type { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../core/actor.js';
import type { Clock } from '../core/clock.js';
import { AppError } from '../core/errors.js';
import { compareVersions } from '../formats/version/index.js';
import type { GateVerdict, PackageGate } from '../security/gate.js';
import { lockRepository } from '../store/db/dialect.js';
import type { Database } from '../store/db/schema.js';
import type { CatalogStore, LiveRow } from '../store/sql/catalog.store.js';
import type { RepositoriesStore, Repository } from '../store/sql/repositories.store.js';
import type { SnapshotsStore } from '../store/sql/snapshots.store.js';
import type { PublishService } from './publish.service.js';

export interface PromotionRequest {
  package: string;
  from_dist: string;
  to_dist: string;
  version?: string;
  arch?: string;
  /** Admin only, with a justification: lets a `review` verdict through. A `block` is never bypassable. */
  force?: boolean;
  justification?: string;
}

export interface PolicyVerdict {
  verdict: GateVerdict['verdict'];
  reason: string;
  warnings: string[];
  blocking: string[];
  reviewing: string[];
}

export interface PromotionResult {
  status: 'promoted' | 'already_present' | 'pending_review';
  package: string;
  version: string;
  arches: string[];
  from_dist: string;
  to_dist: string;
  promoted_by: string;
  promoted_at: string;
  snapshot: number | null;
  policy_verdict: PolicyVerdict;
  justification: string;
  warnings: string[];
  message: string;
}

const SEVERITY: Record<GateVerdict['verdict'], number> = { allow: 0, warn: 1, review: 2, block: 3 };
const NEUTRAL = { deb: 'all', rpm: 'noarch' } as const;

function combine(verdicts: GateVerdict[]): PolicyVerdict {
  const worst = verdicts.reduce<GateVerdict>((a, b) => (SEVERITY[b.verdict] > SEVERITY[a.verdict] ? b : a), { verdict: 'allow', reason: 'no package to evaluate' });
  const of = (v: GateVerdict['verdict']) => verdicts.filter((x) => x.verdict === v).flatMap((x) => x.summary?.advisories.length ? x.summary.advisories : [x.reason]);
  return { verdict: worst.verdict, reason: worst.reason, warnings: of('warn'), blocking: of('block'), reviewing: of('review') };
}

/**
 * Copies a package between two distributions of one format as a new snapshot of the target. The security
 * gate is asked about the target first, for every route: Repod's /distributions/promote skipped that check.
 */
export class PromotionService {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      repositories: RepositoriesStore;
      snapshots: SnapshotsStore;
      catalog: CatalogStore;
      gate: PackageGate;
      audit: AuditService;
      publisher: PublishService;
      clock: Clock;
    },
  ) {}

  async promote(actor: Actor, req: PromotionRequest): Promise<PromotionResult> {
    const { deps } = this;
    const from = await this.distribution(req.from_dist);
    const to = await this.distribution(req.to_dist);
    if (from.id === to.id) throw new AppError('VALIDATION_FAILED', 'from_dist and to_dist are the same distribution');
    if (from.format !== to.format) {
      throw new AppError('FORMAT_MISMATCH', `cannot promote from ${from.format} distribution "${from.name}" to ${to.format} distribution "${to.name}"`, {
        from_format: from.format,
        to_format: to.format,
      });
    }
    if (req.force && actor.role !== 'admin') throw new AppError('FORBIDDEN', 'only an admin may force a promotion past review');
    if (req.force && !req.justification?.trim()) throw new AppError('VALIDATION_FAILED', 'a forced promotion needs a justification');

    const { version, candidates, skipped } = await this.select(from, to, req);
    const verdicts = await Promise.all(candidates.map((c) => deps.gate.evaluate(deps.db, { packageId: c.packageId, repositoryId: to.id })));
    const policy = combine(verdicts);
    const base = {
      package: req.package,
      version,
      arches: [...new Set(candidates.map((c) => c.arch))].sort(),
      from_dist: from.name,
      to_dist: to.name,
      promoted_by: actor.username,
      promoted_at: deps.clock.now().toISOString(),
      policy_verdict: policy,
      justification: req.justification ?? '',
      warnings: [...skipped.map((a) => `architecture ${a} is not served by ${to.name}; not promoted`), ...policy.warnings],
    };
    const audit = { actor, action: 'PROMOTE' as const, package: req.package, version, distribution: to.name };

    if (policy.verdict === 'block') {
      await deps.audit.record(deps.db, { ...audit, result: 'BLOCKED', detail: { from: from.name, reason: policy.reason, blocking: policy.blocking } });
      throw new AppError('PROMOTION_BLOCKED', `promotion of ${req.package} ${version} to ${to.name} is blocked: ${policy.reason}`, { status: 'blocked', ...base, snapshot: null });
    }
    if (policy.verdict === 'review' && !req.force) {
      await deps.audit.record(deps.db, { ...audit, result: 'PENDING', detail: { from: from.name, reason: policy.reason, reviewing: policy.reviewing } });
      return { status: 'pending_review', ...base, snapshot: null, message: `${req.package} ${version} awaits security review before it can enter ${to.name}: ${policy.reason}` };
    }

    const snapshot = await deps.db.transaction().execute(async (trx) => {
      await lockRepository(trx, to.id);
      const fresh = (await deps.repositories.getById(to.id, trx))!;
      const present = await deps.catalog.liveRows({ repositoryId: to.id, name: req.package }, trx);
      const missing = candidates.filter((c) => !present.some((p) => p.packageId === c.packageId));
      for (const c of missing) {
        const clash = present.find((p) => p.version === c.version && p.arch === c.arch && p.sha256 !== c.sha256);
        if (clash) {
          throw new AppError('DUPLICATE_CONFLICT', `${to.name} already holds ${c.name} ${c.version} ${c.arch} with different content`, {
            existing_sha256: clash.sha256,
            uploaded_sha256: c.sha256,
          });
        }
      }
      if (missing.length === 0) {
        await deps.audit.record(trx, { ...audit, result: 'SUCCESS', detail: { from: from.name, already_present: true } });
        return null;
      }
      const number = fresh.headSnapshot + 1;
      await deps.snapshots.create(trx, { repositoryId: to.id, number, reason: `promote ${req.package} ${version} from ${from.name}`, actor: actor.username, createdAt: base.promoted_at });
      for (const c of missing) {
        const component = to.components.includes(c.component) ? c.component : (to.components[0] ?? 'main');
        await deps.snapshots.addMember(trx, to.id, c.packageId, component, number);
      }
      await deps.repositories.setHead(trx, to.id, number);
      await deps.audit.record(trx, {
        ...audit,
        result: 'SUCCESS',
        detail: { from: from.name, snapshot: number, verdict: policy.verdict, forced: Boolean(req.force && policy.verdict === 'review'), justification: req.justification ?? '', sha256: missing.map((c) => c.sha256) },
      });
      return number;
    });

    if (snapshot === null) {
      return { status: 'already_present', ...base, snapshot: null, message: `${req.package} ${version} is already in ${to.name}` };
    }
    await deps.publisher.publish(to.id);
    return { status: 'promoted', ...base, snapshot, message: `${req.package} ${version} promoted from ${from.name} to ${to.name}` };
  }

  /** The files to copy: one version (the newest unless given) in every arch the target serves. */
  private async select(from: Repository, to: Repository, req: PromotionRequest): Promise<{ version: string; candidates: LiveRow[]; skipped: string[] }> {
    const rows = await this.deps.catalog.liveRows({ repositoryId: from.id, name: req.package, arch: req.arch });
    const newest = (a: string, b: string) => (compareVersions(from.format, a, b) >= 0 ? a : b);
    const version = req.version ?? (rows.length > 0 ? rows.map((r) => r.version).reduce(newest) : undefined);
    const ofVersion = rows.filter((r) => r.version === version);
    if (version === undefined || ofVersion.length === 0) {
      await this.refuseHeld(from, req);
      throw new AppError('NOT_FOUND', `${req.package}${req.version ? ` ${req.version}` : ''}${req.arch ? ` (${req.arch})` : ''} is not in ${from.name}`);
    }
    const fits = (r: LiveRow) => r.arch === NEUTRAL[to.format] || to.architectures.includes(r.arch);
    const candidates = ofVersion.filter(fits);
    const skipped = [...new Set(ofVersion.filter((r) => !fits(r)).map((r) => r.arch))];
    if (candidates.length === 0) {
      throw new AppError('ARCH_NOT_ALLOWED', `${to.name} serves none of the architectures of ${req.package} ${version} (${skipped.join(', ')})`);
    }
    return { version, candidates, skipped };
  }

  /**
   * A package that is not in the source distribution may be an upload the gate held back (pending review or
   * rejected: stored, never a member). Promoting it must not launder it into another distribution: 409.
   */
  private async refuseHeld(from: Repository, req: PromotionRequest): Promise<void> {
    const stored = await this.deps.catalog.storedPackages({ name: req.package, format: from.format, version: req.version, arch: req.arch });
    for (const p of stored) {
      const v = await this.deps.gate.evaluate(this.deps.db, { packageId: p.id, repositoryId: from.id });
      if (v.verdict === 'review' || v.verdict === 'block') {
        const status = v.verdict === 'review' ? 'pending_review' : 'rejected';
        throw new AppError('PROMOTION_BLOCKED', `${req.package} ${p.version} is ${status.replace('_', ' ')} in ${from.name} and cannot be promoted: ${v.reason}`, {
          status,
          package: req.package,
          version: p.version,
          from_dist: from.name,
          to_dist: req.to_dist,
        });
      }
    }
  }

  private async distribution(name: string): Promise<Repository> {
    const repo = await this.deps.repositories.getByName(name);
    if (!repo) throw new AppError('UNKNOWN_DISTRIBUTION', `unknown distribution "${name}"`);
    return repo;
  }
}
