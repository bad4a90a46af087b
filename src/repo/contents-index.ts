import { mergeContents } from '../formats/apt/contents.js';
import { sha256Hex } from '../core/hash.js';
import { BoundedMap } from '../core/bounded-map.js';
import type { ContentsPlan } from './index-assembler.js';
import type { Cut } from './index-cut.js';

/** The path of a Contents line: everything before its last run of whitespace (package lists have none). */
function pathOf(line: string): string {
  return line.slice(0, line.lastIndexOf(' ')).trimEnd();
}

/** 32-bit FNV-1a. A collision only moves a path into the shared section, where it is merged by its text. */
function pathHash(path: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < path.length; i++) {
    h ^= path.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Chunks whose file lists are read at once while summarising. */
const SUMMARY_READ_CHUNKS = 16;

function linesOf(text: string): string[] {
  return text.split('\n').filter((l) => l.length > 0);
}

/**
 * Plans a Contents-<arch> index so that a path shipped by several packages is one line listing all of them
 * (`path sec/a,sec/b`, as apt-file and dak expect) while the index stays incremental.
 *
 * The index is cut into the usual content-defined chunks. Each chunk merges its own lines; a path that
 * also occurs in another chunk is left out of every chunk and written once, merged, in a final section.
 * Which paths are shared is found from a small per-chunk summary kept in memory (the sorted distinct path
 * hashes of the chunk), so adding a package reads the fragments of its own chunk only. A chunk's key
 * includes the paths it leaves out, so chunks without shared paths keep their cached bytes.
 */
export class ContentsPlanner {
  private readonly summaries = new BoundedMap<string, Uint32Array>(20_000);
  private readonly sharedLines = new BoundedMap<string, string>(20_000);

  /** Plans the Contents index of the list cut as `cut` (the same cut its Packages index has). */
  async plan(cut: Cut, render: (ids: number[]) => Promise<Map<number, string>>): Promise<ContentsPlan> {
    const { groups } = cut;
    // A chunk's members' SHA-256 determine their file lists, so the cut's digests identify the summaries.
    const sigs = cut.digests;
    // Taken into local arrays first: adding new entries may push older ones out of the bounded maps.
    const found = sigs.map((s) => this.summaries.get(s));
    // Read a few chunks at a time: at 50k packages the file lists of a whole index are tens of MB or more.
    const unknown = groups.map((_, i) => i).filter((i) => !found[i]);
    for (let at = 0; at < unknown.length; at += SUMMARY_READ_CHUNKS) {
      const some = unknown.slice(at, at + SUMMARY_READ_CHUNKS);
      const fragments = await render(some.flatMap((i) => groups[i].map((it) => it.id)));
      for (const i of some) {
        const hashes = new Set<number>();
        for (const item of groups[i]) for (const line of linesOf(fragments.get(item.id) ?? '')) hashes.add(pathHash(pathOf(line)));
        found[i] = Uint32Array.from(hashes).sort();
        this.summaries.set(sigs[i], found[i]);
      }
    }
    const summaries = found as Uint32Array[];
    const shared = sharedHashes(summaries);
    const excluded = summaries.map((s) => (shared.size === 0 ? [] : [...s].filter((h) => shared.has(h))));
    const keySuffix = excluded.map((e) => (e.length ? sha256Hex(e.join(',')) : ''));

    // The final section: the lines each chunk leaves out, merged. Cached per chunk and exclusion set.
    const lineKey = (i: number) => `${sigs[i]}/${keySuffix[i]}`;
    const sharedText = groups.map((_, i) => (excluded[i].length ? this.sharedLines.get(lineKey(i)) : ''));
    const need = groups.map((_, i) => i).filter((i) => sharedText[i] === undefined);
    if (need.length > 0) {
      const fragments = await render(need.flatMap((i) => groups[i].map((it) => it.id)));
      for (const i of need) {
        const out = new Set(excluded[i]);
        const lines = groups[i].flatMap((it) => linesOf(fragments.get(it.id) ?? '')).filter((l) => out.has(pathHash(pathOf(l))));
        sharedText[i] = lines.map((l) => `${l}\n`).join('');
        this.sharedLines.set(lineKey(i), sharedText[i]);
      }
    }
    const tailLines = sharedText.join('');
    return {
      keySuffix,
      transform: (index, text) => {
        const out = excluded[index].length ? new Set(excluded[index]) : null;
        const kept = out ? linesOf(text).filter((l) => !out.has(pathHash(pathOf(l)))).map((l) => `${l}\n`).join('') : text;
        return mergeContents(kept);
      },
      tail: tailLines ? mergeContents(tailLines) : undefined,
    };
  }
}

/** Hashes present in more than one of the (each duplicate-free) summaries. */
function sharedHashes(summaries: Uint32Array[]): Set<number> {
  let total = 0;
  for (const s of summaries) total += s.length;
  const all = new Uint32Array(total);
  let at = 0;
  for (const s of summaries) {
    all.set(s, at);
    at += s.length;
  }
  all.sort();
  const shared = new Set<number>();
  for (let i = 1; i < all.length; i++) if (all[i] === all[i - 1]) shared.add(all[i]);
  return shared;
}
