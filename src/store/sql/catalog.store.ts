import { type Kysely, sql } from 'kysely';
import type { Database } from '../db/schema.js';

/** One package as a live member of one repository (the rows every catalog view is built from). */
export interface LiveRow {
  packageId: number;
  repositoryId: number;
  distribution: string;
  component: string;
  name: string;
  version: string;
  arch: string;
  format: 'deb' | 'rpm';
  sha256: string;
  size: number;
  filename: string;
  source: string;
  createdAt: string;
  uploadedBy: string;
}

export interface CatalogFilter {
  /** Case-insensitive substring of the package or source name. */
  q?: string;
  name?: string;
  version?: string;
  distribution?: string;
  repositoryId?: number;
  format?: 'deb' | 'rpm';
  arch?: string;
}

export interface PageWindow {
  limit: number;
  offset: number;
}

const LIVE_COLUMNS = [
  'p.id as packageId',
  'rp.repository_id as repositoryId',
  'r.name as distribution',
  'rp.component as component',
  'p.name as name',
  'p.version as version',
  'p.arch as arch',
  'p.format as format',
  'p.sha256 as sha256',
  'p.size as size',
  'p.filename as filename',
  'p.source as source',
  'p.created_at as createdAt',
  'p.uploaded_by as uploadedBy',
] as const;

function likePattern(q: string): string {
  return `%${q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Read-only queries over live repository membership: package listings, artifacts, distribution contents. */
export class CatalogStore {
  constructor(private readonly db: Kysely<Database>) {}

  private live(f: CatalogFilter, db: Kysely<Database> = this.db) {
    // Without a repository filter, listings page in package-name order: SQLite's CROSS JOIN fixes packages as
    // the outer loop so a page walks the (name, format) index and stops at its LIMIT (SQLite without ANALYZE
    // statistics would otherwise sort every live row). PostgreSQL plans a CROSS JOIN + WHERE like an inner join.
    const byRepository = f.distribution !== undefined || f.repositoryId !== undefined;
    const joined = byRepository
      ? db.selectFrom('repository_packages as rp').innerJoin('packages as p', 'p.id', 'rp.package_id')
      : db.selectFrom('packages as p').crossJoin('repository_packages as rp').whereRef('rp.package_id', '=', 'p.id');
    return joined
      .innerJoin('repositories as r', 'r.id', 'rp.repository_id')
      .where((eb) => {
        const c = [eb('rp.removed_in', 'is', null)];
        if (f.name !== undefined) c.push(eb('p.name', '=', f.name));
        if (f.version !== undefined) c.push(eb('p.version', '=', f.version));
        if (f.distribution !== undefined) c.push(eb('r.name', '=', f.distribution));
        if (f.repositoryId !== undefined) c.push(eb('rp.repository_id', '=', f.repositoryId));
        if (f.format !== undefined) c.push(eb('p.format', '=', f.format));
        if (f.arch !== undefined) c.push(eb('p.arch', '=', f.arch));
        if (f.q) {
          const pattern = likePattern(f.q);
          // ESCAPE is explicit because SQLite has no default escape character for LIKE.
          c.push(eb.or([sql<boolean>`lower(p.name) like ${pattern} escape '\\'`, sql<boolean>`lower(p.source) like ${pattern} escape '\\'`]));
        }
        return eb.and(c);
      });
  }

  /** A page of live memberships in (name, format, ingest order, repository) order, plus the total count. */
  async pageLive(f: CatalogFilter, win: PageWindow): Promise<{ rows: LiveRow[]; total: number }> {
    const count = await this.countLive(f);
    const rows = await this.live(f).select(LIVE_COLUMNS).orderBy('p.name').orderBy('p.format').orderBy('p.id').orderBy('rp.repository_id').limit(win.limit).offset(win.offset).execute();
    return { rows, total: count };
  }

  /** Without package filters the count needs no join with packages (the common, unfiltered listing). */
  private async countLive(f: CatalogFilter): Promise<number> {
    const packageFilter = f.name !== undefined || f.version !== undefined || f.format !== undefined || f.arch !== undefined || Boolean(f.q);
    const query = packageFilter
      ? this.live(f).select((eb) => eb.fn.countAll<number>().as('n'))
      : this.db
          .selectFrom('repository_packages as rp')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .where('rp.removed_in', 'is', null)
          .$if(f.repositoryId !== undefined, (q) => q.where('rp.repository_id', '=', f.repositoryId!))
          .$if(f.distribution !== undefined, (q) => q.where('rp.repository_id', 'in', this.db.selectFrom('repositories').select('id').where('name', '=', f.distribution!)));
    const r = await query.executeTakeFirst();
    return Number(r?.n ?? 0);
  }

  /** A page of distinct (format, name) artifacts that have at least one matching live membership. */
  async pageArtifacts(f: CatalogFilter, win: PageWindow): Promise<{ groups: Array<{ format: 'deb' | 'rpm'; name: string }>; total: number }> {
    const grouped = this.live(f).select(['p.name', 'p.format']).groupBy(['p.name', 'p.format']);
    const count = await this.db
      .selectFrom(grouped.as('g'))
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirst();
    const groups = await grouped.orderBy('p.name').orderBy('p.format').limit(win.limit).offset(win.offset).execute();
    return { groups, total: Number(count?.n ?? 0) };
  }

  /** Every live membership matching the filter (callers bound it by name or repository). */
  async liveRows(f: CatalogFilter, db: Kysely<Database> = this.db): Promise<LiveRow[]> {
    return this.live(f, db).select(LIVE_COLUMNS).orderBy('p.id').orderBy('r.name').execute();
  }

  /** Live memberships of any of the given names (one page of artifacts). */
  async liveRowsForNames(names: string[]): Promise<LiveRow[]> {
    if (names.length === 0) return [];
    return this.live({})
      .where('p.name', 'in', names)
      .select(LIVE_COLUMNS)
      .orderBy('p.id')
      .orderBy('r.name')
      .execute();
  }

  /** Stored packages of a name (members of a repository or not), newest rows first: uploads held by the gate. */
  async storedPackages(f: { name: string; format: 'deb' | 'rpm'; version?: string; arch?: string }, limit = 50): Promise<Array<{ id: number; version: string; arch: string }>> {
    return this.db
      .selectFrom('packages')
      .select(['id', 'version', 'arch'])
      .where('format', '=', f.format)
      .where('name', '=', f.name)
      .$if(f.version !== undefined, (q) => q.where('version', '=', f.version!))
      .$if(f.arch !== undefined, (q) => q.where('arch', '=', f.arch!))
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** The stored metadata JSON of the given packages (descriptions for listings). */
  async meta(ids: number[]): Promise<Map<number, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('packages').select(['id', 'meta']).where('id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.id, r.meta]));
  }

  /** Live package count per repository id. */
  async countsByRepository(): Promise<Map<number, number>> {
    const rows = await this.db
      .selectFrom('repository_packages')
      .select(['repository_id', (eb) => eb.fn.countAll<number>().as('n')])
      .where('removed_in', 'is', null)
      .groupBy('repository_id')
      .execute();
    return new Map(rows.map((r) => [r.repository_id, Number(r.n)]));
  }

  /** Live members of one repository per (component, arch), to refuse changes that would orphan them. */
  async layoutOf(repositoryId: number, db: Kysely<Database> = this.db): Promise<Array<{ component: string; arch: string; n: number }>> {
    const rows = await db
      .selectFrom('repository_packages as rp')
      .innerJoin('packages as p', 'p.id', 'rp.package_id')
      .select(['rp.component', 'p.arch', (eb) => eb.fn.countAll<number>().as('n')])
      .where('rp.repository_id', '=', repositoryId)
      .where('rp.removed_in', 'is', null)
      .groupBy(['rp.component', 'p.arch'])
      .execute();
    return rows.map((r) => ({ component: r.component, arch: r.arch, n: Number(r.n) }));
  }
}
