/**
 * The role → permission matrix, as data. Routes declare the permission they need; nothing else decides.
 */
export const ROLES = ['admin', 'maintainer', 'uploader', 'auditor', 'reader'] as const;
export type Role = (typeof ROLES)[number];

export type Permission = 'package:read' | 'package:upload';

const MATRIX: Record<Permission, readonly Role[]> = {
  'package:read': ROLES,
  'package:upload': ['admin', 'maintainer', 'uploader'],
};

export function allowed(role: string, permission: Permission): boolean {
  return (MATRIX[permission] as readonly string[]).includes(role);
}
