/** One open agent WebSocket as the domain sees it: something that takes JSON messages and can be closed. */
export interface AgentConnection {
  send(message: Record<string, unknown>): void;
  close(): void;
}

/** The agent connections open on this node, by host id (a host has at most one; a new one replaces it). */
export class AgentHub {
  private readonly connections = new Map<number, AgentConnection>();

  attach(hostId: number, conn: AgentConnection): void {
    const previous = this.connections.get(hostId);
    this.connections.set(hostId, conn);
    if (previous && previous !== conn) previous.close();
  }

  /** Forgets the connection if it is still the current one; true when it was. */
  detach(hostId: number, conn: AgentConnection): boolean {
    if (this.connections.get(hostId) !== conn) return false;
    this.connections.delete(hostId);
    return true;
  }

  get(hostId: number): AgentConnection | undefined {
    return this.connections.get(hostId);
  }

  /** Sends a last `disconnect` and closes (the host was deleted). */
  drop(hostId: number): void {
    const conn = this.connections.get(hostId);
    if (!conn) return;
    this.connections.delete(hostId);
    conn.send({ request: 'disconnect' });
    conn.close();
  }

  closeAll(): void {
    for (const conn of this.connections.values()) conn.close();
    this.connections.clear();
  }
}
