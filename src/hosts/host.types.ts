/** Host area types shared by the services, the stores and the HTTP layer. */

/** A host as listings show it: never the token or its hash. */
export interface Host {
  id: number;
  authId: string;
  hostname: string;
  ip: string;
  os: string;
  osVersion: string;
  osFamily: string;
  release: string;
  type: string;
  cpu: string;
  ram: string;
  network: string;
  kernel: string;
  arch: string;
  profile: string;
  env: string;
  agentStatus: string;
  agentVersion: string;
  rebootRequired: boolean;
  uptime: string;
  registeredAt: string;
  lastSeenAt: string | null;
  inventoryAt: string | null;
  wsConnected: boolean;
}

/** Fields of PUT /host/status, already normalised (strings trimmed, reboot_required a boolean). */
export interface HostStatusUpdate {
  hostname?: string;
  os?: string;
  osVersion?: string;
  osFamily?: string;
  release?: string;
  type?: string;
  cpu?: string;
  ram?: string;
  network?: string;
  kernel?: string;
  arch?: string;
  profile?: string;
  env?: string;
  agentStatus?: string;
  agentVersion?: string;
  rebootRequired?: boolean;
  uptime?: string;
}

export interface HostFilter {
  os?: string;
  osVersion?: string;
  kernel?: string;
  arch?: string;
  profile?: string;
  env?: string;
}

/** One reported package: name without the ":arch" qualifier, arch '' when native. */
export interface ReportedPackage {
  name: string;
  arch: string;
  version: string;
}

export interface AvailablePackage extends ReportedPackage {
  repository: string;
  security: boolean;
}

export interface InstalledPackage extends ReportedPackage {
  state: string;
  since: string;
}

export interface PackageEvent {
  dateStart: string;
  timeStart: string;
  dateEnd: string;
  timeEnd: string;
  command: string;
  packages: Record<string, { name: string; version: string }[]>;
}

export const EVENT_KINDS = ['installed', 'dep_installed', 'upgraded', 'removed', 'downgraded', 'reinstalled', 'purged'] as const;

export const REQUEST_TYPES = [
  'request-general-infos',
  'request-packages-infos',
  'request-all-packages-update',
  'request-packages-update',
  'update-profile',
  'disconnect',
] as const;
export type HostRequestType = (typeof REQUEST_TYPES)[number];

export interface HostRequest {
  id: number;
  hostId: number;
  type: string;
  data: Record<string, unknown>;
  state: string;
  attempts: number;
  nextAttemptAt: string;
  createdAt: string;
  createdBy: string;
  sentAt: string | null;
  finishedAt: string | null;
  info: string;
  summary: Record<string, unknown>;
  log: string;
  error: string;
}

/** "name:arch" for display and keys; the native architecture has no suffix. */
export function qualifiedName(p: { name: string; arch: string }): string {
  return p.arch ? `${p.name}:${p.arch}` : p.name;
}
