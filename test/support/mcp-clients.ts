import { Client as ModernClient, StreamableHTTPClientTransport as ModernTransport } from '@modelcontextprotocol/client';
import { Client as LegacyClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as LegacyTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { isDeepStrictEqual } from 'node:util';

export type ClientKind = 'sdk-1.x (2025-11-25)' | 'client-2.x (2026-07-28)';
export const clientKinds: ClientKind[] = ['sdk-1.x (2025-11-25)', 'client-2.x (2026-07-28)'];

export interface ToolOutcome {
  isError: boolean;
  text: string;
  /** structuredContent, which must equal the JSON in the text content. */
  data: Record<string, any>;
}

export interface CallOptions {
  signal?: AbortSignal;
  onProgress?: (progress: { progress: number; total?: number; message?: string }) => void;
}

/** One agent's MCP connection, with either generation of the official client. */
export class Agent {
  readonly id: string;
  readonly kind: ClientKind;
  private readonly client: ModernClient | LegacyClient;
  private readonly transport: ModernTransport | LegacyTransport;

  // Plain fields, not parameter properties: Node's type stripping (test/faults/) cannot run those.
  private constructor(
    id: string,
    kind: ClientKind,
    client: ModernClient | LegacyClient,
    transport: ModernTransport | LegacyTransport,
  ) {
    this.id = id;
    this.kind = kind;
    this.client = client;
    this.transport = transport;
  }

  /**
   * `apiKey` is sent as `Authorization: Bearer <key>`, as the plugin sends C3PO_API_KEY; `headers` go
   * with every HTTP request besides X-Agent-ID (an Origin, say).
   */
  static async connect(
    url: string,
    id: string,
    kind: ClientKind = 'client-2.x (2026-07-28)',
    options: { apiKey?: string; headers?: Record<string, string> } = {},
  ): Promise<Agent> {
    const endpoint = new URL('/mcp', url);
    const requestInit = {
      headers: {
        ...options.headers,
        'X-Agent-ID': id,
        ...(options.apiKey && { Authorization: `Bearer ${options.apiKey}` }),
      },
    };
    const info = { name: `test-${id}`, version: '1.0.0' };
    if (kind === 'sdk-1.x (2025-11-25)') {
      const client = new LegacyClient(info);
      const transport = new LegacyTransport(endpoint, { requestInit });
      await client.connect(transport);
      return new Agent(id, kind, client, transport);
    }
    const client = new ModernClient(info, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    const transport = new ModernTransport(endpoint, { requestInit });
    await client.connect(transport);
    return new Agent(id, kind, client, transport);
  }

  /**
   * Connects and registers, as a Claude Code session does when it starts (its SessionStart hook):
   * only a registered agent, or one that has sent, has a record others can send to.
   */
  static async registered(url: string, id: string, kind?: ClientKind): Promise<Agent> {
    const agent = await Agent.connect(url, id, kind);
    await agent.ok('register_agent');
    return agent;
  }

  async listTools(): Promise<string[]> {
    const { tools } = await this.client.listTools();
    return tools.map((tool) => tool.name).sort();
  }

  async call(name: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<ToolOutcome> {
    const requestOptions = {
      signal: options.signal,
      onprogress: options.onProgress,
      timeout: 3_600_000,
      resetTimeoutOnProgress: true,
    };
    // The 1.x client takes a result schema before the options; 2.x takes the options alone.
    const result = (
      this.client instanceof LegacyClient
        ? await this.client.callTool({ name, arguments: args }, undefined, requestOptions)
        : await this.client.callTool({ name, arguments: args }, requestOptions)
    ) as { isError?: boolean; content: { type: string; text: string }[]; structuredContent?: object };
    const text = result.content.map((part) => part.text).join('');
    const isError = result.isError === true;
    let data: Record<string, any> = {};
    if (!isError) {
      data = JSON.parse(text) as Record<string, any>;
      if (typeof expect === 'function') {
        expect(result.structuredContent).toEqual(data);
      } else if (!isDeepStrictEqual(result.structuredContent, data)) {
        // Outside Jest (test/faults/run.ts) there is no expect; objects there share one realm.
        throw new Error(`${name}: structuredContent differs from the text content: ${text}`);
      }
    }
    return { isError, text, data };
  }

  /** Calls a tool that must succeed and returns its JSON result. */
  async ok(name: string, args: Record<string, unknown> = {}, options: CallOptions = {}): Promise<Record<string, any>> {
    const outcome = await this.call(name, args, options);
    if (outcome.isError) {
      throw new Error(`${name} failed: ${outcome.text}`);
    }
    return outcome.data;
  }

  /** Calls a tool that must fail and returns its error text. */
  async fails(name: string, args: Record<string, unknown> = {}): Promise<string> {
    const outcome = await this.call(name, args);
    if (!outcome.isError) {
      throw new Error(`${name} unexpectedly succeeded: ${outcome.text}`);
    }
    return outcome.text;
  }

  /** The protocol revision the transport settled on with the coordinator. */
  get protocolVersion(): string | undefined {
    return this.transport.protocolVersion;
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
