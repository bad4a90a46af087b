import type { Actor } from '../../../core/actor.js';

/**
 * How API v2 routes authenticate. Implementations throw AppError AUTH_REQUIRED / AUTH_INVALID.
 * - resolveApiKey: `Authorization: Bearer ak_...` → the key owner's actor (their role).
 * - resolveHost: `Authorization: Host <id>:<token>` → an actor for the host (role "host"), for the routes a
 *   host agent may read (profiles).
 */
export interface V2Auth {
  resolveApiKey(header: string | undefined): Promise<Actor>;
  resolveHost(header: string | undefined): Promise<Actor>;
}
