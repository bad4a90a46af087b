import type { AuditEvent } from './audit.types.js';

export type ExportFormat = 'json' | 'csv';

const COLUMNS = ['id', 'timestamp', 'user', 'role', 'source_ip', 'action', 'result', 'package', 'version', 'distribution', 'detail', 'prev_hash', 'hash'] as const;

/** The wire shape of one event (Repod names: `timestamp`, `user`). */
export function auditItem(e: AuditEvent) {
  return {
    id: e.id,
    timestamp: e.at,
    user: e.username,
    role: e.role,
    source_ip: e.sourceIp,
    action: e.action,
    result: e.result,
    package: e.package,
    version: e.version,
    distribution: e.distribution,
    detail: e.detail,
    prev_hash: e.prevHash,
    hash: e.hash,
  };
}

function csvCell(value: unknown): string {
  let s = typeof value === 'string' ? value : typeof value === 'number' ? String(value) : JSON.stringify(value);
  // Spreadsheets execute cells starting with these; a leading quote keeps them text.
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Renders events as they arrive: a JSON array or CSV with a header, never the whole export at once. */
export async function* renderExport(events: AsyncIterable<AuditEvent>, format: ExportFormat): AsyncGenerator<string> {
  if (format === 'csv') {
    yield `${COLUMNS.join(',')}\r\n`;
    for await (const e of events) {
      const item = auditItem(e);
      yield `${COLUMNS.map((c) => csvCell(item[c])).join(',')}\r\n`;
    }
    return;
  }
  yield '[';
  let first = true;
  for await (const e of events) {
    yield `${first ? '' : ','}\n${JSON.stringify(auditItem(e))}`;
    first = false;
  }
  yield first ? ']\n' : '\n]\n';
}
