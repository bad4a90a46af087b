/**
 * other.xml of rpm-md repodata, byte for byte as createrepo_c 0.17 writes it (src/xml_dump_other.c, with the
 * changelog selection of cr_package_from_header in src/parsehdr.c).
 */
import type { RpmChangelog, RpmPackage } from '../types.js';
import { packageOpenTag, versionElement } from './filelists.js';
import { escapeXml, escapeXmlAttr } from './xml.js';

/** createrepo_c's default --changelog-limit. */
export const DEFAULT_CHANGELOG_LIMIT = 10;

/**
 * The changelog entries createrepo_c writes: the first `limit` entries of the header (rpm keeps them newest
 * first; a negative limit keeps all), oldest first, authors without trailing spaces, and equal timestamps
 * made distinct by moving the newer entries one second later each, so clients that key entries by date keep all.
 */
export function selectChangelogs(changelogs: RpmChangelog[], limit = DEFAULT_CHANGELOG_LIMIT): RpmChangelog[] {
  const picked = limit < 0 ? changelogs : changelogs.slice(0, limit);
  const added: RpmChangelog[] = [];
  let lastTime = 0;
  for (const c of picked) {
    added.push({ author: trimAuthor(c.author), date: c.date, text: c.text });
    if (c.date === lastTime) {
      let t = c.date;
      for (let i = added.length - 2; i >= 0 && added[i].date === t; i--) {
        added[i].date++;
        t++;
      }
    } else {
      lastTime = c.date;
    }
  }
  return added.reverse();
}

/** Trailing spaces go, but createrepo_c's loop never looks at the first character. */
function trimAuthor(author: string): string {
  let end = author.length;
  while (end > 1 && author[end - 1] === ' ') end--;
  return author.slice(0, end);
}

export function renderOtherPackage(pkg: RpmPackage, pkgid: string, changelogLimit = DEFAULT_CHANGELOG_LIMIT): string {
  let out = packageOpenTag(pkg, pkgid) + versionElement(pkg);
  for (const c of selectChangelogs(pkg.changelogs, changelogLimit)) {
    out += `  <changelog author="${escapeXmlAttr(c.author)}" date="${c.date}">${escapeXml(c.text)}</changelog>\n`;
  }
  return `${out}</package>\n`;
}

export function otherHead(count: number): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<otherdata xmlns="http://linux.duke.edu/metadata/other" packages="${count}">\n`;
}

export function otherTail(): string {
  return '</otherdata>';
}
