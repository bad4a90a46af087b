/**
 * Tables of the operations area. Rate-limit counters live in the database so that several Packyard
 * processes over one PostgreSQL share one budget (Repod kept them in process memory, lost across replicas).
 */
export interface RateLimitCountersTable {
  /** `<tier>:<identity>`, e.g. `login:ip:203.0.113.7` or `upload:user:ci:uploader`. */
  key: string;
  /** Start of the counter's fixed window, epoch milliseconds. */
  window_start: number;
  hits: number;
}

export interface OperationsTables {
  rate_limit_counters: RateLimitCountersTable;
}
