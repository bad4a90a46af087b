/**
 * `Contents-<arch>` index lines (Debian Repository Format, "Contents indices"; layout as the Debian
 * archive software dak writes it).
 *
 * Each line is a path without its leading "/", padded to 55 columns (Python's "%-55s %s"), one space, then
 * the comma-separated list of qualified package names `[[area/]section/]name` that ship the path. Only
 * non-directory entries are listed. When several packages ship the same path there is still exactly one
 * line for it, with every package in the list, ordered by package name (dak aggregates with
 * `string_agg(section || '/' || package, ',' ORDER BY package)`); `mergeContents` produces that from the
 * per-package lines below. Clients split a line at its last run of whitespace, since paths may contain
 * spaces but package names never do. Lines are sorted by the path's bytes (C collation).
 */
import type { DebPackage } from '../types.js';

const PATH_COLUMN = 55;
/** A section fit to sit in a whitespace- and comma-delimited list; anything else is left out. */
const SECTION = /^[A-Za-z0-9][A-Za-z0-9+._/-]*$/;

function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

function formatLine(path: string, locations: string): string {
  const width = [...path].length; // Python pads by code points
  return `${path}${' '.repeat(Math.max(0, PATH_COLUMN - width))} ${locations}\n`;
}

function sortByBytes(paths: Iterable<string>): string[] {
  return [...paths]
    .map((p) => ({ p, b: Buffer.from(p, 'utf8') }))
    .sort((x, y) => compareBytes(x.b, y.b))
    .map((x) => x.p);
}

/** The package's Contents lines, sorted by path; empty string when it ships no files. */
export function renderContentsLines(pkg: DebPackage, section?: string): string {
  const sec = section?.trim();
  const location = sec && SECTION.test(sec) ? `${sec}/${pkg.name}` : pkg.name;
  const paths = new Set<string>();
  for (const file of pkg.files) {
    if (file.type === 'dir') continue;
    const path = file.path.replace(/^\/+/, '');
    if (path) paths.add(path);
  }
  return sortByBytes(paths)
    .map((p) => formatLine(p, location))
    .join('');
}

function packageName(location: string): string {
  return location.slice(location.lastIndexOf('/') + 1);
}

/**
 * Merges Contents lines from many packages into a Contents file body: one line per path, the locations of
 * every package shipping it joined by "," in package-name order, lines sorted by path.
 */
export function mergeContents(lines: string): string {
  const byPath = new Map<string, Set<string>>();
  for (const line of lines.split('\n')) {
    const m = /^(.*?)[ \t]+([^ \t]+)$/.exec(line);
    if (!m) continue;
    let set = byPath.get(m[1]);
    if (!set) {
      set = new Set();
      byPath.set(m[1], set);
    }
    for (const loc of m[2].split(',')) if (loc) set.add(loc);
  }
  return sortByBytes(byPath.keys())
    .map((path) => {
      const locations = [...(byPath.get(path) as Set<string>)].sort((a, b) => {
        const na = packageName(a);
        const nb = packageName(b);
        return na < nb ? -1 : na > nb ? 1 : a < b ? -1 : a > b ? 1 : 0;
      });
      return formatLine(path, locations.join(','));
    })
    .join('');
}
