import { Type } from 'typebox';
import type { Host } from '../../../hosts/host.types.js';

/**
 * Hosts as Repomanager lists them (its `hosts` columns, PascalCase), minus AuthId and Token: no listing
 * carries a credential.
 */
export const V2Host = Type.Object({
  Id: Type.Integer(),
  Ip: Type.String(),
  Hostname: Type.String(),
  Os: Type.String(),
  Os_version: Type.String(),
  Os_family: Type.String(),
  Release: Type.String(),
  Cpu: Type.String(),
  Ram: Type.String(),
  Network: Type.String(),
  Kernel: Type.String(),
  Arch: Type.String(),
  Type: Type.String(),
  Profile: Type.String(),
  Env: Type.String(),
  Online_status: Type.String(),
  Online_status_date: Type.String(),
  Online_status_time: Type.String(),
  Reboot_required: Type.String(),
  Uptime: Type.String(),
  Linupdate_version: Type.String(),
  Agent_version: Type.String(),
  Registered_at: Type.String(),
  Inventory_at: Type.Union([Type.String(), Type.Null()]),
  Connected: Type.Boolean(),
});

export function v2Host(h: Host) {
  const seen = h.lastSeenAt ?? h.registeredAt;
  return {
    Id: h.id,
    Ip: h.ip,
    Hostname: h.hostname,
    Os: h.os,
    Os_version: h.osVersion,
    Os_family: h.osFamily,
    Release: h.release,
    Cpu: h.cpu,
    Ram: h.ram,
    Network: h.network,
    Kernel: h.kernel,
    Arch: h.arch,
    Type: h.type,
    Profile: h.profile,
    Env: h.env,
    Online_status: h.agentStatus,
    Online_status_date: seen.slice(0, 10),
    Online_status_time: seen.slice(11, 19),
    Reboot_required: h.rebootRequired ? 'true' : 'false',
    Uptime: h.uptime,
    Linupdate_version: h.agentVersion,
    Agent_version: h.agentVersion,
    Registered_at: h.registeredAt,
    Inventory_at: h.inventoryAt,
    Connected: h.wsConnected,
  };
}
