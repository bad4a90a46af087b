import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import { compareVersions } from '../formats/version/index.js';
import type { Database } from '../store/db/schema.js';
import { TransactionMemo } from '../store/db/transaction-memo.js';
import type { DecisionRow } from '../store/sql/decisions.store.js';
import type { MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { Repository } from '../store/sql/repositories.store.js';
import type { PackageSubject } from '../store/sql/security-packages.store.js';
import { type ActiveDecision, type Assessment, assess } from './assess.js';
import { recordMatches } from './finding-sync.js';
import type { GateSubject, GateVerdict, PackageGate } from './gate.js';
import { Matcher } from './matcher.js';
import { effectivePolicy } from './policy.js';
import type { SecuritySettingsService } from './security-settings.service.js';
import type { SecurityDeps } from './security.types.js';

export function activeDecision(row: DecisionRow | undefined): ActiveDecision | undefined {
  return row && { id: row.id, action: row.action, cve_ids: JSON.parse(row.cve_ids) as string[], expires_at: row.expires_at, target_version: row.target_version };
}

/**
 * The real gate: matches the package against the advisories of the repository's feed releases (indexed
 * lookups by source name, recorded as findings), then applies the active decision and the policy. It runs
 * in the caller's transaction, so the findings and the package's state commit with the upload or promotion.
 */
export class SecurityGate implements PackageGate {
  constructor(
    private readonly deps: SecurityDeps,
    private readonly settings: SecuritySettingsService,
  ) {}

  /** A group commit asks once per upload about the same repository. */
  private readonly repositoryMemo = new TransactionMemo<number, Repository | undefined>();

  async evaluate(db: Kysely<Database>, subject: GateSubject): Promise<GateVerdict> {
    const a = await this.assessSubject(db, subject, 'gate');
    return { verdict: a.verdict, reason: a.reason, summary: a.summary };
  }

  /**
   * Verdicts for several packages entering one repository, in order, each as evaluate() would give it: the
   * subjects, waiting decisions, advisory candidates and policy are read once for all of them.
   */
  async evaluateMany(db: Kysely<Database>, subjects: GateSubject[]): Promise<GateVerdict[]> {
    const repositoryId = subjects[0]?.repositoryId;
    if (subjects.length < 2 || subjects.some((s) => s.repositoryId !== repositoryId)) {
      const out: GateVerdict[] = [];
      for (const s of subjects) out.push(await this.evaluate(db, s));
      return out;
    }
    const pkgs = await this.deps.packages.subjects([...new Set(subjects.map((s) => s.packageId))], db);
    const context = await this.context(db, repositoryId, [...pkgs.values()]);
    const out: GateVerdict[] = [];
    for (const s of subjects) {
      const a = await this.assessWith(db, context, pkgs.get(s.packageId), s, 'gate');
      out.push({ verdict: a.verdict, reason: a.reason, summary: a.summary });
    }
    return out;
  }

  async assessSubject(db: Kysely<Database>, subject: GateSubject, by: string): Promise<Assessment> {
    const pkg = await this.deps.packages.subject(subject.packageId, db);
    const context = await this.context(db, subject.repositoryId, pkg ? [pkg] : []);
    return this.assessWith(db, context, pkg, subject, by);
  }

  /** What assessing these packages in this repository reads besides each package's own findings and state. */
  private async context(db: Kysely<Database>, repositoryId: number, pkgs: PackageSubject[]): Promise<GateContext> {
    const { deps } = this;
    const repo = await this.repositoryMemo.get(db, repositoryId, () => deps.repositories.getById(repositoryId, db));
    if (!repo || pkgs.length === 0) return { repo, waiting: [], candidates: [], matcher: new Matcher() };
    const waiting = await deps.decisions.upgradesWaitingFor([...new Set(pkgs.map((p) => p.name))], repo.id, db);
    const releaseKeys = await this.settings.releaseKeys(repo.name, db);
    const candidates = await deps.advisories.lookup(releaseKeys, [...new Set(pkgs.flatMap((p) => Matcher.lookupNames(p)))], db);
    return { repo, waiting, candidates, matcher: new Matcher() };
  }

  private async assessWith(db: Kysely<Database>, ctx: GateContext, pkg: PackageSubject | undefined, subject: GateSubject, by: string): Promise<Assessment> {
    const { deps } = this;
    const { repo } = ctx;
    if (!pkg || !repo) throw new AppError('NOT_FOUND', 'no such package or repository');
    const now = deps.clock.now().toISOString();
    // The version an upgrade_required decision waits for has arrived: that decision is done.
    const waiting = ctx.waiting.filter((d) => d.name === pkg.name && d.package_id !== pkg.id && atLeast(pkg.format, pkg.version, d.target_version));
    await deps.decisions.end(db, waiting.map((d) => d.id), 'resolved', now);

    const fresh = subject.fresh === true;
    const { open } = await recordMatches(deps, db, pkg, repo.id, ctx.matcher.affecting(pkg, ctx.candidates), now, { fresh });
    const decision = fresh ? undefined : activeDecision(await deps.decisions.active(pkg.id, repo.id, db));
    const result = assess(open, decision, effectivePolicy(await this.settings.policy(db), repo.name), now);
    const previous = fresh ? undefined : await deps.findings.getState(pkg.id, repo.id, db);
    if (previous || open.length || result.verdict !== 'allow') {
      await deps.findings.putState(db, { package_id: pkg.id, repository_id: repo.id, status: result.status, reason: result.reason, updated_at: now, updated_by: by });
    }
    return result;
  }
}

interface GateContext {
  repo: Repository | undefined;
  waiting: DecisionRow[];
  candidates: MatchableAdvisory[];
  matcher: Matcher;
}

function atLeast(format: 'deb' | 'rpm', version: string, target: string): boolean {
  try {
    return compareVersions(format, version, target) >= 0;
  } catch {
    return false;
  }
}
