/**
 * The role → permission matrix, as data. Routes declare the permission they need; nothing else decides.
 * Read packages: all; upload: uploader+; delete/promote/decide: maintainer+; users, settings, keys, other
 * people's API tokens: admin; audit and security reports: auditor, maintainer, admin.
 */
export const ROLES = ['admin', 'maintainer', 'uploader', 'auditor', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/** Rank for "a role no higher than theirs" (auditor sits beside uploader: it reads more but writes nothing). */
export const ROLE_RANK: Record<Role, number> = { admin: 4, maintainer: 3, uploader: 2, auditor: 2, reader: 1 };

export type Permission =
  | 'package:read'
  | 'package:upload'
  | 'package:delete'
  | 'package:promote'
  | 'security:read'
  | 'security:decide'
  | 'security:admin'
  | 'audit:read'
  | 'distribution:read'
  | 'distribution:admin'
  | 'user:admin'
  | 'token:self'
  | 'token:admin'
  | 'settings:admin'
  | 'host:read'
  | 'host:admin'
  | 'environment:admin'
  | 'metrics:read';

const ALL = ROLES;
const UPLOADERS = ['admin', 'maintainer', 'uploader'] as const;
const MAINTAINERS = ['admin', 'maintainer'] as const;
const ADMINS = ['admin'] as const;
const AUDITORS = ['admin', 'maintainer', 'auditor'] as const;

const MATRIX: Record<Permission, readonly Role[]> = {
  'package:read': ALL,
  'package:upload': UPLOADERS,
  'package:delete': MAINTAINERS,
  'package:promote': MAINTAINERS,
  'security:read': AUDITORS,
  'security:decide': MAINTAINERS,
  'security:admin': ADMINS,
  'audit:read': AUDITORS,
  'distribution:read': ALL,
  'distribution:admin': ADMINS,
  'user:admin': ADMINS,
  'token:self': ALL,
  'token:admin': ADMINS,
  'settings:admin': ADMINS,
  'host:read': ALL,
  'host:admin': MAINTAINERS,
  'environment:admin': ADMINS,
  'metrics:read': AUDITORS,
};

export function allowed(role: string, permission: Permission): boolean {
  return (MATRIX[permission] as readonly string[]).includes(role);
}

export function rolesWith(permission: Permission): readonly Role[] {
  return MATRIX[permission];
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Every permission a role holds, in matrix order. */
export function permissionsOf(role: string): Permission[] {
  return (Object.keys(MATRIX) as Permission[]).filter((p) => allowed(role, p));
}

/**
 * Whether `holder` may hand out `candidate` (for a token): never a higher rank, and never a permission the
 * holder lacks — rank alone would let an uploader mint an auditor token (same rank, reads the audit log).
 */
export function roleWithin(candidate: string, holder: string): boolean {
  if (!isRole(candidate) || !isRole(holder)) return false;
  return ROLE_RANK[candidate] <= ROLE_RANK[holder] && permissionsOf(candidate).every((p) => allowed(holder, p));
}

/** What GET /auth/roles shows about each built-in role (Repod's shape: label, description, color). */
export const ROLE_INFO: Record<Role, { label: string; description: string; color: string }> = {
  admin: { label: 'Administrator', description: 'Everything, including users, settings, signing keys and everyone\'s API tokens', color: '#dc2626' },
  maintainer: { label: 'Maintainer', description: 'Upload, delete, promote and decide on security findings', color: '#ea580c' },
  uploader: { label: 'Uploader', description: 'Upload packages and read the catalogue', color: '#2563eb' },
  auditor: { label: 'Auditor', description: 'Read the audit log and security reports; no changes', color: '#7c3aed' },
  reader: { label: 'Reader', description: 'Read packages and distributions', color: '#6b7280' },
};
