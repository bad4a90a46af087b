import type { Generated } from 'kysely';

/** One API key per user, kept only as its SHA-256 (the unique index is the lookup). */
export interface ApiKeysTable {
  user_id: number;
  key_hash: string;
  created_at: string;
}

export interface HostsTable {
  id: Generated<number>;
  /** The public half of the host credential ("id_<32 hex>"), sent as `Authorization: Host <auth_id>:<token>`. */
  auth_id: string;
  /** SHA-256 of the token; the token itself is shown once at registration. */
  token_hash: string;
  hostname: string;
  ip: Generated<string>;
  os: Generated<string>;
  os_version: Generated<string>;
  os_family: Generated<string>;
  /** The distribution codename derived from os/os_version (jammy, bookworm, almalinux9, ...), for advisories. */
  release: Generated<string>;
  type: Generated<string>;
  cpu: Generated<string>;
  ram: Generated<string>;
  network: Generated<string>;
  kernel: Generated<string>;
  arch: Generated<string>;
  profile: Generated<string>;
  env: Generated<string>;
  agent_status: Generated<string>;
  agent_version: Generated<string>;
  reboot_required: Generated<number>;
  uptime: Generated<string>;
  registered_at: string;
  last_seen_at: string | null;
  inventory_at: Generated<string | null>;
  /** 1 while an agent WebSocket of this host is open on some node. */
  ws_connected: Generated<number>;
}

export type HostPackageState = 'inventored' | 'installed' | 'upgraded' | 'downgraded' | 'removed';

export interface HostPackagesTable {
  host_id: number;
  name: string;
  /** '' for the native architecture; "i386" for "libapparmor1:i386". */
  arch: string;
  version: string;
  state: HostPackageState;
  since: string;
}

/** Previous states of host_packages rows: a row moves here when its version changes or it is removed. */
export interface HostPackageHistoryTable {
  id: Generated<number>;
  host_id: number;
  name: string;
  arch: string;
  version: string;
  state: string;
  since: string;
  until: string;
}

export interface HostAvailableTable {
  host_id: number;
  name: string;
  arch: string;
  version: string;
  repository: Generated<string>;
  security: Generated<number>;
}

export interface HostEventsTable {
  id: Generated<number>;
  host_id: number;
  date_start: string;
  time_start: string;
  date_end: string;
  time_end: string;
  command: string;
  /** JSON: {installed:[{name,version}], upgraded:[...], ...} as the agent sent it. */
  packages: string;
  received_at: string;
}

export type HostRequestState = 'new' | 'sent' | 'running' | 'completed' | 'failed' | 'canceled';

export interface HostRequestsTable {
  id: Generated<number>;
  host_id: number;
  type: string;
  data: Generated<string>;
  state: HostRequestState;
  attempts: Generated<number>;
  next_attempt_at: string;
  created_at: string;
  created_by: string;
  sent_at: Generated<string | null>;
  finished_at: Generated<string | null>;
  info: Generated<string>;
  summary: Generated<string>;
  log: Generated<string>;
  error: Generated<string>;
}

/** Tables of the hosts area. */
export interface HostsTables {
  api_keys: ApiKeysTable;
  hosts: HostsTable;
  host_packages: HostPackagesTable;
  host_package_history: HostPackageHistoryTable;
  host_available: HostAvailableTable;
  host_events: HostEventsTable;
  host_requests: HostRequestsTable;
}
