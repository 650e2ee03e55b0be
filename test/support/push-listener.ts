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

  private constructor(client: Client, transport: StreamableHTTPClientTransport) {
    this.client = client;
    this.transport = transport;
    client.fallbackNotificationHandler = (notification) => {
      if (notification.method === 'notifications/claude/channel') {
        this.events.push(notification.params as unknown as ChannelEvent);
      }
      return Promise.resolve();
    };
  }

  static async connect(url: string, agentId: string, headers: Record<string, string> = {}): Promise<PushListener> {
    const client = new Client({ name: `push-${agentId}`, version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL('/push', url), {
      requestInit: { headers: { ...headers, 'X-Agent-ID': agentId } },
    });
    await client.connect(transport);
    return new PushListener(client, transport);
  }

  get sessionId(): string {
    return this.transport.sessionId!;
  }

  /** Ends the session (DELETE), as Claude Code does on exit, then closes the connection. */
  async end(): Promise<void> {
    await this.transport.terminateSession();
    await this.client.close();
  }

  /** Drops the connection without ending the session: the stream closes, as when Claude Code is killed. */
  async drop(): Promise<void> {
    await this.client.close();
  }
}
