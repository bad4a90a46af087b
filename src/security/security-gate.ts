import type { Kysely } from 'kysely';
import { AppError } from '../core/errors.js';
import { compareVersions } from '../formats/version/index.js';
import type { Database } from '../store/db/schema.js';
import { TransactionMemo } from '../store/db/transaction-memo.js';
import type { DecisionRow } from '../store/sql/decisions.store.js';
import type { Repository } from '../store/sql/repositories.store.js';
import { type ActiveDecision, type Assessment, assess } from './assess.js';
import { matchAndRecord } from './finding-sync.js';
import type { GateSubject, GateVerdict, PackageGate } from './gate.js';
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

  async assessSubject(db: Kysely<Database>, subject: GateSubject, by: string): Promise<Assessment> {
    const { deps } = this;
    const now = deps.clock.now().toISOString();
    const pkg = await deps.packages.subject(subject.packageId, db);
    const repo = await this.repositoryMemo.get(db, subject.repositoryId, () => deps.repositories.getById(subject.repositoryId, db));
    if (!pkg || !repo) throw new AppError('NOT_FOUND', 'no such package or repository');
    // The version an upgrade_required decision waits for has arrived: that decision is done.
    const waiting = (await deps.decisions.upgradesWaiting(pkg.name, repo.id, db)).filter((d) => d.package_id !== pkg.id && atLeast(pkg.format, pkg.version, d.target_version));
    await deps.decisions.end(db, waiting.map((d) => d.id), 'resolved', now);

    const fresh = subject.fresh === true;
    const { open } = await matchAndRecord(deps, db, pkg, repo.id, await this.settings.releaseKeys(repo.name, db), now, { fresh });
    const decision = fresh ? undefined : activeDecision(await deps.decisions.active(pkg.id, repo.id, db));
    const result = assess(open, decision, effectivePolicy(await this.settings.policy(db), repo.name), now);
    const previous = fresh ? undefined : await deps.findings.getState(pkg.id, repo.id, db);
    if (previous || open.length || result.verdict !== 'allow') {
      await deps.findings.putState(db, { package_id: pkg.id, repository_id: repo.id, status: result.status, reason: result.reason, updated_at: now, updated_by: by });
    }
    return result;
  }
}

function atLeast(format: 'deb' | 'rpm', version: string, target: string): boolean {
  try {
    return compareVersions(format, version, target) >= 0;
  } catch {
    return false;
  }
}
