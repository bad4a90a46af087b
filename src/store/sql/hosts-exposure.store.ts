import type { Kysely } from 'kysely';
import type { Database } from '../db/schema.js';

const CHUNK = 1000;

/** Package facts from Packyard's own repositories that exposure needs: binary ↔ source names, live versions. */
export class HostsExposureStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Source package of each binary name Packyard has seen (names it has never stored are absent). */
  async sourcesOf(binaryNames: string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (let i = 0; i < binaryNames.length; i += CHUNK) {
      const rows = await this.db
        .selectFrom('packages')
        .select(['name', 'source'])
        .distinct()
        .where('name', 'in', binaryNames.slice(i, i + CHUNK))
        .execute();
      for (const r of rows) out.set(r.name, r.source || r.name);
    }
    return out;
  }

  /** Binary names Packyard has seen built from the given sources. */
  async binariesOf(sourceNames: string[]): Promise<string[]> {
    if (sourceNames.length === 0) return [];
    const rows = await this.db.selectFrom('packages').select('name').distinct().where('source', 'in', sourceNames).execute();
    return rows.map((r) => r.name);
  }

  /** Versions of the named packages live in the current snapshot of each repository of a format. */
  async liveVersions(names: string[], format: 'deb' | 'rpm'): Promise<{ repository: string; name: string; source: string; version: string }[]> {
    if (names.length === 0) return [];
    const out: { repository: string; name: string; source: string; version: string }[] = [];
    for (let i = 0; i < names.length; i += CHUNK) {
      const part = names.slice(i, i + CHUNK);
      const rows = await this.db
        .selectFrom('repository_packages as rp')
        .innerJoin('packages as p', 'p.id', 'rp.package_id')
        .innerJoin('repositories as r', 'r.id', 'rp.repository_id')
        .select(['r.name as repository', 'p.name', 'p.source', 'p.version'])
        .where('rp.removed_in', 'is', null)
        .where('r.format', '=', format)
        .where((eb) => eb.or([eb('p.name', 'in', part), eb('p.source', 'in', part)]))
        .execute();
      out.push(...rows);
    }
    return out;
  }

  /**
   * The versions of the given names that environment `env` of each repository serves: members of the
   * snapshot the environment points at (repositories without that environment serve it nothing).
   */
  async environmentVersions(names: string[], format: 'deb' | 'rpm', env: string): Promise<{ repository: string; name: string; source: string; version: string }[]> {
    if (names.length === 0) return [];
    const out: { repository: string; name: string; source: string; version: string }[] = [];
    for (let i = 0; i < names.length; i += CHUNK) {
      const part = names.slice(i, i + CHUNK);
      const rows = await this.db
        .selectFrom('repository_environments as re')
        .innerJoin('environments as e', 'e.id', 're.environment_id')
        .innerJoin('repositories as r', 'r.id', 're.repository_id')
        .innerJoin('repository_packages as rp', 'rp.repository_id', 're.repository_id')
        .innerJoin('packages as p', 'p.id', 'rp.package_id')
        .select(['r.name as repository', 'p.name', 'p.source', 'p.version'])
        .where('e.name', '=', env)
        .where('r.format', '=', format)
        .whereRef('rp.added_in', '<=', 're.snapshot_number')
        .where((eb) => eb.or([eb('rp.removed_in', 'is', null), eb('rp.removed_in', '>', eb.ref('re.snapshot_number'))]))
        .where((eb) => eb.or([eb('p.name', 'in', part), eb('p.source', 'in', part)]))
        .execute();
      out.push(...rows);
    }
    return out;
  }
}
