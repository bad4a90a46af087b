import { sha256Hex } from '../core/hash.js';
import type { Advisory, ParsedRecord } from '../formats/advisories/advisory.types.js';
import type { NewAdvisoryRow } from '../store/sql/advisories.store.js';
import type { SecurityDeps } from './security.types.js';

export interface ImportCounts {
  records: number;
  inserted: number;
  updated: number;
  unchanged: number;
  withdrawn: number;
  skipped: number;
  releases: string[];
}

const BATCH = 500;
const keyOf = (releaseKey: string, source: string, id: string) => `${releaseKey}\u001f${source}\u001f${id}`;

function toRow(feedId: number, a: Advisory, at: string): NewAdvisoryRow {
  const content = {
    release_key: a.releaseKey,
    source_package: a.sourcePackage,
    advisory_id: a.advisoryId,
    cve_ids: JSON.stringify(a.cveIds),
    summary: a.summary,
    severity: a.severity,
    cvss_score: a.cvssScore,
    cvss_vector: a.cvssVector,
    severity_source: a.severitySource,
    ranges: JSON.stringify(a.ranges),
    versions: JSON.stringify(a.versions),
    fixed_version: a.fixedVersion,
    fix_state: a.fixState,
    published: a.published,
    modified: a.modified,
    urls: JSON.stringify(a.urls),
  };
  return { ...content, key: keyOf(a.releaseKey, a.sourcePackage, a.advisoryId), feed_id: feedId, content_hash: sha256Hex(JSON.stringify(content)), imported_at: at };
}

/**
 * Writes parsed feed records in batches: new advisories are inserted, changed ones (by content hash)
 * updated, identical ones left alone, withdrawn ones deleted. Re-importing the same feed changes nothing.
 */
export async function importRecords(deps: Pick<SecurityDeps, 'db' | 'advisories' | 'clock'>, feedId: number, records: AsyncIterable<ParsedRecord>, signal?: AbortSignal): Promise<ImportCounts> {
  const counts: ImportCounts = { records: 0, inserted: 0, updated: 0, unchanged: 0, withdrawn: 0, skipped: 0, releases: [] };
  const releases = new Set<string>();
  const at = deps.clock.now().toISOString();
  let rows = new Map<string, NewAdvisoryRow>();
  let gone = new Set<string>();
  const flush = async () => {
    if (!rows.size && !gone.size) return;
    const batch = rows;
    const removed = [...gone];
    rows = new Map();
    gone = new Set();
    await deps.db.transaction().execute(async (trx) => {
      const known = await deps.advisories.hashesByKey([...batch.keys()], trx);
      const fresh: NewAdvisoryRow[] = [];
      for (const [key, row] of batch) {
        const old = known.get(key);
        if (!old) fresh.push(row);
        else if (old.hash !== row.content_hash) {
          const { key: _key, ...rest } = row;
          await deps.advisories.update(old.id, rest, trx);
          counts.updated++;
        } else counts.unchanged++;
      }
      await deps.advisories.insertMany(fresh, trx);
      counts.inserted += fresh.length;
      counts.withdrawn += await deps.advisories.deleteByKeys(removed, trx);
    });
  };
  for await (const rec of records) {
    signal?.throwIfAborted();
    counts.records++;
    counts.skipped += rec.skipped;
    for (const a of rec.advisories) {
      releases.add(a.releaseKey);
      const row = toRow(feedId, a, at);
      gone.delete(row.key);
      rows.set(row.key, row);
    }
    for (const w of rec.withdrawn) {
      const key = keyOf(w.releaseKey, w.sourcePackage, w.advisoryId);
      rows.delete(key);
      gone.add(key);
    }
    if (rows.size + gone.size >= BATCH) await flush();
  }
  await flush();
  counts.releases = [...releases].sort();
  return counts;
}
