import { AppError } from '../core/errors.js';
import { type AvailablePackage, EVENT_KINDS, type PackageEvent, type ReportedPackage } from './host.types.js';

/**
 * Parsing of what agents send. Two shapes exist in the wild for package lists:
 *  - the documented string "name|version,name|version,..." under `installed_packages` / `available_packages`;
 *  - an array of {name, version[, repository, security]} objects, under the same key (what linupdate sends)
 *    or as the whole JSON body.
 * A name may carry its architecture ("libapparmor1:i386"); it is split off so it never collides with the
 * native package of the same name.
 */
const NAME = /^[A-Za-z0-9_+][A-Za-z0-9_.+~@-]{0,254}$/;
const ARCH = /^[A-Za-z0-9_]{1,32}$/;
const MAX_PACKAGES = 100_000;

export interface ParsedList<T> {
  packages: T[];
  /** Entries that could not be read (no version, bad name); skipped rather than failing the whole report. */
  skipped: number;
}

function split(raw: string): { name: string; arch: string } | null {
  const at = raw.lastIndexOf(':');
  const name = at > 0 ? raw.slice(0, at) : raw;
  const arch = at > 0 ? raw.slice(at + 1) : '';
  if (!NAME.test(name) || (arch !== '' && !ARCH.test(arch))) return null;
  return { name, arch };
}

function truthy(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1';
}

function entries(body: unknown, key: string): unknown[] | string {
  if (Array.isArray(body)) return body;
  if (body && typeof body === 'object' && key in body) {
    const v = (body as Record<string, unknown>)[key];
    if (typeof v === 'string' || Array.isArray(v)) return v;
  }
  throw new AppError('INVENTORY_INVALID', `expected "${key}" as a "name|version,..." string or an array of {name, version}`);
}

function readList(body: unknown, key: string): ParsedList<AvailablePackage> {
  const raw = entries(body, key);
  const items: { name: unknown; version: unknown; repository?: unknown; security?: unknown; arch?: unknown }[] =
    typeof raw === 'string'
      ? raw
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '')
          .map((s) => {
            const bar = s.indexOf('|');
            return bar < 0 ? { name: s, version: '' } : { name: s.slice(0, bar).trim(), version: s.slice(bar + 1).trim() };
          })
      : (raw as { name: unknown; version: unknown }[]);
  if (items.length > MAX_PACKAGES) throw new AppError('INVENTORY_INVALID', `more than ${MAX_PACKAGES} packages`);
  const byKey = new Map<string, AvailablePackage>();
  let skipped = 0;
  for (const item of items) {
    if (!item || typeof item !== 'object' || typeof item.name !== 'string' || typeof item.version !== 'string') {
      skipped++;
      continue;
    }
    const id = split(item.name.trim());
    const version = item.version.trim();
    if (!id || version === '' || version.length > 256 || /[\s,|]/.test(version)) {
      skipped++;
      continue;
    }
    const arch = id.arch || (typeof item.arch === 'string' && ARCH.test(item.arch) ? item.arch : '');
    byKey.set(`${id.name}\0${arch}`, {
      name: id.name,
      arch,
      version,
      repository: typeof item.repository === 'string' ? item.repository.slice(0, 512) : '',
      security: truthy(item.security),
    });
  }
  if (byKey.size === 0 && items.length > 0) throw new AppError('INVENTORY_INVALID', 'no entry of the list could be read');
  return { packages: [...byKey.values()], skipped };
}

export function parseInstalled(body: unknown): ParsedList<ReportedPackage> {
  const list = readList(body, 'installed_packages');
  if (list.packages.length === 0) throw new AppError('INVENTORY_INVALID', 'an empty installed list would mark every package removed');
  return { packages: list.packages.map(({ name, arch, version }) => ({ name, arch, version })), skipped: list.skipped };
}

export function parseAvailable(body: unknown): ParsedList<AvailablePackage> {
  return readList(body, 'available_packages');
}

function str(v: unknown, max = 64): string {
  return typeof v === 'string' ? v.trim().slice(0, max) : '';
}

export function parseEvents(body: unknown): PackageEvent[] {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).events : undefined;
  if (!Array.isArray(raw)) throw new AppError('INVENTORY_INVALID', 'expected an "events" array');
  const byKey = new Map<string, PackageEvent>();
  for (const e of raw) {
    if (!e || typeof e !== 'object') throw new AppError('INVENTORY_INVALID', 'each event must be an object');
    const o = e as Record<string, unknown>;
    const event: PackageEvent = {
      dateStart: str(o.date_start),
      timeStart: str(o.time_start),
      dateEnd: str(o.date_end),
      timeEnd: str(o.time_end),
      command: str(o.command, 4096),
      packages: {},
    };
    if (!/^\d{4}-\d{2}-\d{2}$/.test(event.dateStart) || !/^\d{2}:\d{2}:\d{2}$/.test(event.timeStart)) {
      throw new AppError('INVENTORY_INVALID', 'each event needs date_start (YYYY-MM-DD) and time_start (HH:MM:SS)');
    }
    for (const kind of EVENT_KINDS) {
      const list = o[kind];
      if (!Array.isArray(list)) continue;
      event.packages[kind] = list
        .filter((p): p is { name: string; version: string } => !!p && typeof p === 'object' && typeof (p as { name: unknown }).name === 'string')
        .map((p) => ({ name: p.name.slice(0, 256), version: typeof p.version === 'string' ? p.version.slice(0, 256) : '' }));
    }
    byKey.set(`${event.dateStart} ${event.timeStart}\0${event.command}`, event);
  }
  return [...byKey.values()];
}
