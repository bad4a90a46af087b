import type { PublicationFile } from '../store/sql/publications.store.js';

/** Loads rendered per-package fragments by package id (cached in the packages table at ingest). */
export interface FragmentSource {
  index: (ids: number[]) => Promise<Map<number, string>>;
  files: (ids: number[]) => Promise<Map<number, string>>;
  other: (ids: number[]) => Promise<Map<number, string>>;
}

/** What a publication builder may do besides assembling indexes: sign, and store small files. */
export interface PublicationTools {
  clearsign: (text: string) => Promise<string>;
  detachSign: (text: string) => Promise<string>;
  put: (path: string, content: string) => Promise<PublicationFile>;
}

/** What publishing needs of each member of a snapshot. */
export interface PublishedMember {
  packageId: number;
  component: string;
  arch: string;
  sha256: string;
}

/**
 * Runs a publication's independent builds: all at once when someone waits for it (reading fragments on the
 * main thread overlaps compression in the thread pool), one after the other in the background, where a
 * shorter build only means a shorter pause and more builds during a bulk upload (see PublishService).
 * Results keep the order of `builds`.
 */
export async function runBuilds<T>(builds: Array<() => Promise<T>>, atOnce: boolean): Promise<T[]> {
  if (atOnce) return Promise.all(builds.map((b) => b()));
  const out: T[] = [];
  for (const b of builds) out.push(await b());
  return out;
}
