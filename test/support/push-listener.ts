import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

/** A channel event as Claude Code receives it. */
export interface ChannelEvent {
  content: string;
  meta: Record<string, string>;
}

/**
 * A Claude Code session's push connection, played by the official 2025-era client: it speaks
 * the stateful 2025-11-25 revision, opens the standalone event stream after initializing (as
 * Claude Code does), and records every `notifications/claude/channel` it receives.
 */
export class PushListener {
  readonly events: ChannelEvent[] = [];
  private readonly client: Client;
  private readonly transport: StreamableHTTPClientTransport;
  private readonly endpoint: URL;
  private readonly agentId: string;

  private constructor(client: Client, transport: StreamableHTTPClientTransport, endpoint: URL, agentId: string) {
    this.client = client;
    this.transport = transport;
    this.endpoint = endpoint;
    this.agentId = agentId;
    client.fallbackNotificationHandler = (notification) => {
      if (notification.method === 'notifications/claude/channel') {
        this.events.push(notification.params as unknown as ChannelEvent);
      }
      return Promise.resolve();
    };
  }

  static async connect(url: string, agentId: string, headers: Record<string, string> = {}): Promise<PushListener> {
    const client = new Client({ name: `push-${agentId}`, version: '1.0.0' });
    const endpoint = new URL('/push', url);
    const transport = new StreamableHTTPClientTransport(endpoint, {
      requestInit: { headers: { ...headers, 'X-Agent-ID': agentId } },
    });
    await client.connect(transport);
    return new PushListener(client, transport, endpoint, agentId);
  }

  get sessionId(): string {
    return this.transport.sessionId!;
  }

  /**
   * Ends the session (DELETE), even after drop(), then closes the connection. Claude Code itself
   * never sends the DELETE: its sessions lapse three heartbeats after their stream closes.
   */
  async end(): Promise<void> {
    const sessionId = this.sessionId;
    await this.client.close();
    const ended = await fetch(this.endpoint, {
      method: 'DELETE',
      headers: { 'X-Agent-ID': this.agentId, 'Mcp-Session-Id': sessionId },
    });
    if (!ended.ok) {
      throw new Error(`DELETE /push answered ${ended.status}`);
    }
  }

  /** Drops the connection without ending the session: the stream closes, as when Claude Code is killed. */
  async drop(): Promise<void> {
    await this.client.close();
  }
}
