import type { Actor } from '../core/actor.js';

export type AuditAction =
  | 'LOGIN'
  | 'LOGOUT'
  | 'TOKEN_REFRESH'
  | 'PASSWORD_CHANGE'
  | 'UPLOAD'
  | 'DELETE'
  | 'PROMOTE'
  | 'DECISION'
  | 'USER_CREATE'
  | 'USER_UPDATE'
  | 'USER_DELETE'
  | 'PASSWORD_RESET'
  | 'TOKEN_CREATE'
  | 'TOKEN_REVOKE'
  | 'API_KEY_CREATE'
  | 'SETTING_CHANGE'
  | 'DISTRIBUTION_CREATE'
  | 'DISTRIBUTION_UPDATE'
  | 'DISTRIBUTION_DELETE'
  | 'FEED_IMPORT'
  | 'FEED_CHANGE'
  | 'QUARANTINE'
  | 'RESCAN'
  | 'ENVIRONMENT_POINT'
  | 'ENVIRONMENT_CHANGE'
  | 'SNAPSHOT_CHANGE'
  | 'PROFILE_CHANGE'
  | 'HOST_REGISTER'
  | 'HOST_DELETE'
  | 'HOST_REQUEST';

export type AuditResult = 'SUCCESS' | 'FAILURE' | 'DENIED' | 'PENDING' | 'BLOCKED';

export interface AuditEventInput {
  /** Who acted; null for anonymous attempts (a failed login names the attempted user in `username`). */
  actor: Actor | null;
  username?: string;
  action: AuditAction;
  result: AuditResult;
  package?: string;
  version?: string;
  distribution?: string;
  detail?: Record<string, unknown>;
}

export interface AuditEvent {
  id: number;
  at: string;
  username: string;
  role: string;
  sourceIp: string;
  action: string;
  result: string;
  package: string;
  version: string;
  distribution: string;
  detail: Record<string, unknown>;
  prevHash: string;
  hash: string;
}
