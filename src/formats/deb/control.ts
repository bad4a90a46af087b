/**
 * Parser for one deb822 stanza, the syntax of a binary package's `control` file.
 *
 * Follows deb822(5) and deb-control(5): a field is `Name: value`; the name is US-ASCII without control
 * characters, space or colon and must not start with `#` or `-`; continuation lines start with a space or
 * a tab; lines starting with `#` are comments; a blank (or whitespace-only) line ends the stanza. Field
 * names are case-insensitive and may not repeat (Debian Policy 5.1).
 *
 * Values are kept exactly as written so renderers can reproduce dpkg's output byte for byte: the first
 * line loses only the whitespace after the colon, continuation lines keep their leading space or tab and
 * are joined with "\n". Normalisation (trailing whitespace, the " ." convention) is the renderer's job.
 */
import { AppError } from '../../core/errors.js';

export type ControlFields = Array<[string, string]>;

const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;

function isBlank(line: string): boolean {
  return /^[ \t\r]*$/.test(line);
}

/** Parses the single stanza of a control file. Throws FORMAT_INVALID on anything deb822 does not allow. */
export function parseControl(text: string): ControlFields {
  const lines = text.split('\n');
  const fields: ControlFields = [];
  const seen = new Set<string>();
  let i = 0;

  while (i < lines.length && (isBlank(lines[i]) || lines[i].startsWith('#'))) i++;

  for (; i < lines.length; i++) {
    const line = lines[i];
    if (isBlank(line)) break;
    if (line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      const last = fields[fields.length - 1];
      if (!last) throw new AppError('FORMAT_INVALID', `control line ${i + 1}: continuation line before any field`);
      last[1] += `\n${line}`;
      continue;
    }
    const colon = line.indexOf(':');
    // dpkg tolerates blanks between the name and the colon ("Package : x"), so this parser does too.
    const name = colon > 0 ? line.slice(0, colon).replace(/[ \t]+$/, '') : '';
    if (!FIELD_NAME.test(name) || name.startsWith('-')) {
      throw new AppError('FORMAT_INVALID', `control line ${i + 1}: not a "Field: value" line`);
    }
    const key = name.toLowerCase();
    if (seen.has(key)) throw new AppError('FORMAT_INVALID', `control file repeats the field ${name}`);
    seen.add(key);
    fields.push([name, line.slice(colon + 1).replace(/^[ \t]+/, '')]);
  }

  // A binary package's control file holds exactly one stanza; dpkg refuses more.
  for (; i < lines.length; i++) {
    if (!isBlank(lines[i]) && !lines[i].startsWith('#')) {
      throw new AppError('FORMAT_INVALID', 'control file contains more than one stanza');
    }
  }
  if (fields.length === 0) throw new AppError('FORMAT_INVALID', 'control file has no fields');
  return fields;
}

/** Case-insensitive lookup of a field's raw value. */
export function getField(fields: ControlFields, name: string): string | undefined {
  const key = name.toLowerCase();
  for (const [n, v] of fields) if (n.toLowerCase() === key) return v;
  return undefined;
}

/**
 * A simple (single-line) field's value with surrounding whitespace removed, as Policy 5.1 defines simple
 * fields. Returns undefined when absent; throws when the value spans several lines.
 */
export function getSimpleField(fields: ControlFields, name: string): string | undefined {
  const raw = getField(fields, name);
  if (raw === undefined) return undefined;
  const value = raw.replace(/[ \t\r]+$/, '');
  if (value.includes('\n')) throw new AppError('FORMAT_INVALID', `control field ${name} must be a single line`);
  return value;
}
