/**
 * Licence strings of rpm packages as SBOM licences. Modern Fedora/EL packages carry SPDX expressions
 * ("MIT AND (GPL-2.0-or-later OR BSD-3-Clause)"); older ones carry Fedora short names ("GPLv2+", "MIT and BSD")
 * which are not SPDX. An expression is used as SPDX only when every identifier is a known SPDX licence id
 * and the operators are the upper-case SPDX ones; anything else is kept verbatim as a named licence
 * (CycloneDX license.name, SPDX LicenseRef-* with the original text), never guessed.
 */

/** A pragmatic subset of the SPDX licence list: the ids distribution packages actually use. */
const KNOWN = new Set(
  `0BSD AFL-2.1 AFL-3.0 AGPL-3.0-only AGPL-3.0-or-later Apache-1.1 Apache-2.0 APSL-2.0 Artistic-1.0 Artistic-1.0-Perl
  Artistic-2.0 BSD-1-Clause BSD-2-Clause BSD-3-Clause BSD-4-Clause BSL-1.0 bzip2-1.0.6 CC-BY-3.0 CC-BY-4.0 CC-BY-SA-3.0
  CC-BY-SA-4.0 CC0-1.0 CDDL-1.0 CDDL-1.1 curl EPL-1.0 EPL-2.0 EUPL-1.2 FSFAP FSFUL FSFULLR FTL GFDL-1.1-or-later
  GFDL-1.2-or-later GFDL-1.3-only GFDL-1.3-or-later GPL-1.0-or-later GPL-2.0-only GPL-2.0-or-later GPL-3.0-only
  GPL-3.0-or-later HPND IJG ISC LGPL-2.0-only LGPL-2.0-or-later LGPL-2.1-only LGPL-2.1-or-later LGPL-3.0-only
  LGPL-3.0-or-later Libpng libtiff MIT MIT-0 MPL-1.1 MPL-2.0 MS-PL NCSA OFL-1.1 OpenSSL PHP-3.01 PostgreSQL PSF-2.0
  Python-2.0 Ruby Sleepycat TCL Unicode-DFS-2016 Unlicense UPL-1.0 Vim W3C WTFPL X11 Zlib ZPL-2.1`.split(/\s+/),
);
const EXCEPTIONS = new Set(['Autoconf-exception-3.0', 'Bison-exception-2.2', 'Classpath-exception-2.0', 'GCC-exception-3.1', 'LLVM-exception', 'OpenSSL-exception']);

export type LicenseInfo =
  | { kind: 'none' }
  | { kind: 'spdx-id'; id: string }
  | { kind: 'spdx-expression'; expression: string }
  | { kind: 'named'; name: string; ref: string };

export function classifyLicense(raw: string | null): LicenseInfo {
  const text = (raw ?? '').trim();
  if (!text) return { kind: 'none' };
  if (KNOWN.has(text)) return { kind: 'spdx-id', id: text };
  const tokens = text.replace(/[()]/g, ' ').split(/\s+/).filter(Boolean);
  let expectId = true;
  let afterWith = false;
  let ok = tokens.length > 0 && balanced(text);
  for (const t of tokens) {
    if (!ok) break;
    if (expectId) {
      ok = afterWith ? EXCEPTIONS.has(t) : KNOWN.has(t.replace(/\+$/, ''));
      expectId = false;
      afterWith = false;
    } else {
      ok = t === 'AND' || t === 'OR' || t === 'WITH';
      afterWith = t === 'WITH';
      expectId = true;
    }
  }
  if (ok && !expectId) return { kind: 'spdx-expression', expression: text };
  // The hash keeps refs distinct when two texts differ only in characters the id cannot hold.
  const slug = text.replace(/[^A-Za-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64);
  return { kind: 'named', name: text, ref: `LicenseRef-${slug ? `${slug}-` : ''}${fnv1a(text)}` };
}

function fnv1a(s: string): string {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(s, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

function balanced(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}
