import type { Kysely } from 'kysely';
import type { Database } from '../store/db/schema.js';
import type { MatchableAdvisory } from '../store/sql/advisories.store.js';
import type { FindingRow, NewFindingRow } from '../store/sql/findings.store.js';
import type { PackageSubject } from '../store/sql/security-packages.store.js';
import type { OpenFinding } from './assess.js';
import type { SecurityDeps } from './security.types.js';

type Existing = Pick<FindingRow, 'id' | 'advisory_row_id' | 'state' | 'severity' | 'fixed_version'>;

export interface FindingDiff {
  insert: NewFindingRow[];
  reopen: number[];
  close: number[];
  update: Array<{ id: number; a: MatchableAdvisory }>;
  /** Matches that were not open before (new or reopened). */
  fresh: number;
}

/** What must change so the stored findings of one package equal its current matches. */
export function diffFindings(pkg: PackageSubject, repositoryId: number, existing: Existing[], matches: MatchableAdvisory[], now: string): FindingDiff {
  const byAdvisory = new Map(existing.map((f) => [f.advisory_row_id, f]));
  const diff: FindingDiff = { insert: [], reopen: [], close: [], update: [], fresh: 0 };
  const matched = new Set<number>();
  for (const a of matches) {
    matched.add(a.id);
    const f = byAdvisory.get(a.id);
    if (!f) {
      diff.fresh++;
      diff.insert.push({
        package_id: pkg.id,
        repository_id: repositoryId,
        advisory_row_id: a.id,
        advisory_id: a.advisory_id,
        cve_ids: a.cve_ids,
        severity: a.severity,
        fixed_version: a.fixed_version,
        fix_state: a.fix_state,
        first_seen: now,
        last_seen: now,
        state: 'open',
      });
      continue;
    }
    if (f.state !== 'open') {
      diff.fresh++;
      diff.reopen.push(f.id);
    }
    if (f.severity !== a.severity || f.fixed_version !== a.fixed_version) diff.update.push({ id: f.id, a });
  }
  for (const f of existing) if (f.state === 'open' && !matched.has(f.advisory_row_id)) diff.close.push(f.id);
  return diff;
}

export function toOpenFinding(a: Pick<MatchableAdvisory, 'advisory_id' | 'cve_ids' | 'severity'>): OpenFinding {
  return { advisory_id: a.advisory_id, cve_ids: JSON.parse(a.cve_ids) as string[], severity: a.severity };
}

export async function applyDiff(deps: Pick<SecurityDeps, 'findings'>, db: Kysely<Database>, diff: FindingDiff, now: string): Promise<void> {
  await deps.findings.insertMany(db, diff.insert);
  await deps.findings.setState(db, diff.reopen, 'open', now);
  await deps.findings.setState(db, diff.close, 'resolved', now);
  for (const { id, a } of diff.update) {
    await deps.findings.updateDetails(db, id, { severity: a.severity, fixed_version: a.fixed_version, fix_state: a.fix_state, cve_ids: a.cve_ids });
  }
}

/** Records a package's current matches as its findings in the repository (opens, reopens, closes). */
export async function recordMatches(
  deps: Pick<SecurityDeps, 'findings'>,
  db: Kysely<Database>,
  pkg: PackageSubject,
  repositoryId: number,
  matches: MatchableAdvisory[],
  now: string,
  opts: { fresh?: boolean } = {},
): Promise<{ open: OpenFinding[]; fresh: number }> {
  // A package row created in this transaction has no findings yet.
  const existing = opts.fresh ? [] : await deps.findings.forPackage(pkg.id, repositoryId, db);
  const diff = diffFindings(pkg, repositoryId, existing, matches, now);
  await applyDiff(deps, db, diff, now);
  return { open: matches.map(toOpenFinding), fresh: diff.fresh };
}
