import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

/** What the security area needs to know about a package. */
export interface PackageSubject {
  id: number;
  format: 'deb' | 'rpm';
  name: string;
  version: string;
  arch: string;
  source: string;
  source_version: string;
}

const SUBJECT = ['p.id', 'p.format', 'p.name', 'p.version', 'p.arch', 'p.source', 'p.source_version'] as const;

/** Package reads of the security area: subjects for matching and lookups by name and version. */
export class SecurityPackagesStore {
  constructor(private readonly db: Kysely<Database>) {}

  async subject(id: number, db: Kysely<Database> = this.db): Promise<PackageSubject | undefined> {
    return db.selectFrom('packages as p').select(SUBJECT).where('p.id', '=', id).executeTakeFirst();
  }

  /** Subjects of several packages by id (a group commit asks the gate about all of its packages at once). */
  async subjects(ids: number[], db: Kysely<Database> = this.db): Promise<Map<number, PackageSubject>> {
    const out = new Map<number, PackageSubject>();
    for (let i = 0; i < ids.length; i += 500) {
      for (const r of await db.selectFrom('packages as p').select(SUBJECT).where('p.id', 'in', ids.slice(i, i + 500)).execute()) out.set(r.id, r);
    }
    return out;
  }

  async byNameVersion(name: string, version: string, arch?: string, db: Kysely<Database> = this.db): Promise<PackageSubject[]> {
    let q = db.selectFrom('packages as p').select(SUBJECT).where('p.name', '=', name);
    // Repod's URLs carry the version without epoch: "nginx/1.24.0" also finds "1:1.24.0".
    q = q.where((eb) => eb.or([eb('p.version', '=', version), eb('p.version', 'like', `%:${version.replace(/[%_]/g, '')}`)]));
    if (arch) q = q.where('p.arch', '=', arch);
    return q.orderBy('p.id').execute();
  }

  /** Packages a repository holds or holds back: live members plus packages with a security state there. */
  async ofRepository(repositoryId: number, db: Kysely<Database> = this.db): Promise<PackageSubject[]> {
    const live = db.selectFrom('repository_packages').select('package_id').where('repository_id', '=', repositoryId).where('removed_in', 'is', null);
    const held = db.selectFrom('security_package_states').select('package_id').where('repository_id', '=', repositoryId);
    return db
      .selectFrom('packages as p')
      .select(SUBJECT)
      .where((eb) => eb.or([eb('p.id', 'in', live), eb('p.id', 'in', held)]))
      .orderBy('p.id')
      .execute();
  }

  /** Live component of a package in a repository, or undefined when it is not a member now. */
  async liveComponent(repositoryId: number, packageId: number, db: Kysely<Database> = this.db): Promise<string | undefined> {
    const r = await db
      .selectFrom('repository_packages')
      .select('component')
      .where('repository_id', '=', repositoryId)
      .where('package_id', '=', packageId)
      .where('removed_in', 'is', null)
      .executeTakeFirst();
    return r?.component;
  }

  async liveIds(repositoryId: number, db: Kysely<Database> = this.db): Promise<Set<number>> {
    const rows = await db.selectFrom('repository_packages').select('package_id').where('repository_id', '=', repositoryId).where('removed_in', 'is', null).execute();
    return new Set(rows.map((r) => r.package_id));
  }
}
