import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

export interface DistributionPackageCount {
  distribution: string;
  arch: string;
  count: number;
}

/** Read-only queries of the health probes and the metrics endpoint. */
export class OperationsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** A round trip to the database; throws when it is unreachable. */
  async ping(): Promise<void> {
    await sql`select 1`.execute(this.db);
  }

  /** Packages in the current content of every distribution, by architecture (one aggregate query). */
  async packagesPerDistribution(): Promise<DistributionPackageCount[]> {
    const rows = await this.db
      .selectFrom('repository_packages as rp')
      .innerJoin('repositories as r', 'r.id', 'rp.repository_id')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .where('rp.removed_in', 'is', null)
      .select(['r.name as distribution', 'p.arch as arch', (eb) => eb.fn.countAll<number>().as('count')])
      .groupBy(['r.name', 'p.arch'])
      .orderBy('r.name')
      .orderBy('p.arch')
      .execute();
    return rows.map((r) => ({ distribution: r.distribution, arch: r.arch, count: Number(r.count) }));
  }

  async distributionNames(): Promise<string[]> {
    const rows = await this.db.selectFrom('repositories').select('name').orderBy('name').execute();
    return rows.map((r) => r.name);
  }
}
