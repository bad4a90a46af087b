import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database } from '../db/schema.js';
import type { SecurityFindingsTable, SecurityPackageStatesTable } from '../db/tables/security.tables.js';

export type FindingRow = Selectable<SecurityFindingsTable>;
export type NewFindingRow = Insertable<SecurityFindingsTable>;
export type PackageStateRow = Selectable<SecurityPackageStatesTable>;

/** A finding with the package and repository it is about, for listings. */
export interface FindingView extends FindingRow {
  name: string;
  version: string;
  arch: string;
  distribution: string;
  summary: string | null;
  cvss_score: number | null;
  urls: string | null;
}

const BATCH = 200;

/** Findings (advisory × package × repository) and the gate's per-repository package states. */
export class FindingsStore {
  constructor(private readonly db: Kysely<Database>) {}

  async forPackage(packageId: number, repositoryId: number | null, db: Kysely<Database> = this.db): Promise<FindingRow[]> {
    let q = db.selectFrom('security_findings').selectAll().where('package_id', '=', packageId);
    if (repositoryId !== null) q = q.where('repository_id', '=', repositoryId);
    return q.orderBy('id').execute();
  }

  /** Every finding of a repository (open and resolved), compact, for a bulk re-match diff. */
  async forRepository(repositoryId: number, db: Kysely<Database> = this.db): Promise<Array<Pick<FindingRow, 'id' | 'package_id' | 'advisory_row_id' | 'state' | 'severity' | 'fixed_version'>>> {
    return db
      .selectFrom('security_findings')
      .select(['id', 'package_id', 'advisory_row_id', 'state', 'severity', 'fixed_version'])
      .where('repository_id', '=', repositoryId)
      .execute();
  }

  async insertMany(db: Kysely<Database>, rows: NewFindingRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) await db.insertInto('security_findings').values(rows.slice(i, i + BATCH)).execute();
  }

  async setState(db: Kysely<Database>, ids: number[], state: 'open' | 'resolved', at: string): Promise<void> {
    for (let i = 0; i < ids.length; i += 500) {
      await db.updateTable('security_findings').set({ state, last_seen: at }).where('id', 'in', ids.slice(i, i + 500)).execute();
    }
  }

  async updateDetails(db: Kysely<Database>, id: number, fields: Pick<FindingRow, 'severity' | 'fixed_version' | 'fix_state' | 'cve_ids'>): Promise<void> {
    await db.updateTable('security_findings').set(fields).where('id', '=', id).execute();
  }

  /** Open findings with package, repository and advisory details, filtered and paginated. */
  /** One page of distinct advisory ids among open findings (the vulnerabilities listing pages by advisory). */
  async advisoryPage(filter: { severity?: string; fixState?: string; repositoryId?: number; limit: number; offset: number }): Promise<{ ids: string[]; total: number }> {
    let q = this.db.selectFrom('security_findings as f').where('f.state', '=', 'open');
    if (filter.severity) q = q.where('f.severity', '=', filter.severity);
    if (filter.fixState) q = q.where('f.fix_state', '=', filter.fixState);
    if (filter.repositoryId !== undefined) q = q.where('f.repository_id', '=', filter.repositoryId);
    const total = await q.select((eb) => eb.fn.count<number>('f.advisory_id').distinct().as('n')).executeTakeFirst();
    const rows = await q.select('f.advisory_id').distinct().orderBy('f.advisory_id').limit(filter.limit).offset(filter.offset).execute();
    return { ids: rows.map((r) => r.advisory_id), total: Number(total?.n ?? 0) };
  }

  async list(filter: { severity?: string; fixState?: string; repositoryId?: number; packageIds?: number[]; advisoryIds?: string[]; limit: number; offset: number }): Promise<{ items: FindingView[]; total: number }> {
    let q = this.db
      .selectFrom('security_findings as f')
      .innerJoin('packages as p', 'p.id', 'f.package_id')
      .innerJoin('repositories as r', 'r.id', 'f.repository_id')
      .leftJoin('security_advisories as a', 'a.id', 'f.advisory_row_id')
      .where('f.state', '=', 'open');
    if (filter.severity) q = q.where('f.severity', '=', filter.severity);
    if (filter.fixState) q = q.where('f.fix_state', '=', filter.fixState);
    if (filter.repositoryId !== undefined) q = q.where('f.repository_id', '=', filter.repositoryId);
    if (filter.packageIds) q = q.where('f.package_id', 'in', filter.packageIds.length ? filter.packageIds : [-1]);
    if (filter.advisoryIds) q = q.where('f.advisory_id', 'in', filter.advisoryIds.length ? filter.advisoryIds : ['']);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const items = await q
      .selectAll('f')
      .select(['p.name', 'p.version', 'p.arch', 'r.name as distribution', 'a.summary', 'a.cvss_score', 'a.urls'])
      .orderBy('f.id')
      .limit(filter.limit)
      .offset(filter.offset)
      .execute();
    return { items, total: Number(total?.n ?? 0) };
  }

  async severityCounts(repositoryId?: number): Promise<Record<string, number>> {
    let q = this.db.selectFrom('security_findings').select(['severity', (eb) => eb.fn.countAll<number>().as('n')]).where('state', '=', 'open');
    if (repositoryId !== undefined) q = q.where('repository_id', '=', repositoryId);
    const rows = await q.groupBy('severity').execute();
    return Object.fromEntries(rows.map((r) => [r.severity, Number(r.n)]));
  }

  async getState(packageId: number, repositoryId: number, db: Kysely<Database> = this.db): Promise<PackageStateRow | undefined> {
    return db.selectFrom('security_package_states').selectAll().where('package_id', '=', packageId).where('repository_id', '=', repositoryId).executeTakeFirst();
  }

  async statesOfPackage(packageId: number, db: Kysely<Database> = this.db): Promise<PackageStateRow[]> {
    return db.selectFrom('security_package_states').selectAll().where('package_id', '=', packageId).execute();
  }

  async statesOfRepository(repositoryId: number, db: Kysely<Database> = this.db): Promise<Map<number, PackageStateRow>> {
    const rows = await db.selectFrom('security_package_states').selectAll().where('repository_id', '=', repositoryId).execute();
    return new Map(rows.map((r) => [r.package_id, r]));
  }

  async putState(db: Kysely<Database>, row: PackageStateRow): Promise<void> {
    const { package_id, repository_id, ...rest } = row;
    await db
      .insertInto('security_package_states')
      .values(row)
      .onConflict((oc) => oc.columns(['package_id', 'repository_id']).doUpdateSet(rest))
      .execute();
  }

  /** Upserts many states in a few statements (a re-match may change thousands). */
  async putStates(db: Kysely<Database>, rows: PackageStateRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += BATCH) {
      await db
        .insertInto('security_package_states')
        .values(rows.slice(i, i + BATCH))
        .onConflict((oc) =>
          oc.columns(['package_id', 'repository_id']).doUpdateSet((eb) => ({
            status: eb.ref('excluded.status'),
            reason: eb.ref('excluded.reason'),
            updated_at: eb.ref('excluded.updated_at'),
            updated_by: eb.ref('excluded.updated_by'),
          })),
        )
        .execute();
    }
  }

  /** Package states with the given statuses, newest first, with package identity. */
  async statesWith(statuses: string[], limit: number, offset: number): Promise<{ items: Array<PackageStateRow & { name: string; version: string; arch: string; format: string; distribution: string }>; total: number }> {
    const q = this.db
      .selectFrom('security_package_states as s')
      .innerJoin('packages as p', 'p.id', 's.package_id')
      .innerJoin('repositories as r', 'r.id', 's.repository_id')
      .where('s.status', 'in', statuses);
    const total = await q.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirst();
    const items = await q
      .selectAll('s')
      .select(['p.name', 'p.version', 'p.arch', 'p.format', 'r.name as distribution'])
      .orderBy('s.updated_at', 'desc')
      .orderBy('s.package_id')
      .limit(limit)
      .offset(offset)
      .execute();
    return { items, total: Number(total?.n ?? 0) };
  }

  async countStates(statuses: string[]): Promise<Record<string, number>> {
    const rows = await this.db
      .selectFrom('security_package_states')
      .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
      .where('status', 'in', statuses)
      .groupBy('status')
      .execute();
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }
}
