/**
 * The append-only audit log. Each row carries the SHA-256 of its own content chained to the previous row's
 * hash, so an edited or deleted row breaks the chain from that point on.
 */
export interface AuditEventsTable {
  id: import('kysely').Generated<number>;
  at: string;
  username: string;
  role: string;
  source_ip: string;
  action: string;
  result: string;
  package: string;
  version: string;
  distribution: string;
  /** JSON object with anything else worth keeping (reason, target user, counts). */
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface AuditTables {
  audit_events: AuditEventsTable;
}
