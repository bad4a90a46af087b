/** Who performs an action: passed from the HTTP layer into services, recorded in snapshots and audit. */
export interface Actor {
  username: string;
  role: string;
  ip?: string;
}
