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
