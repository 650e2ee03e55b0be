import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

/** The revision Claude Code 2.1.x speaks; pinned so that no call is spent on negotiation. */
export const PROTOCOL_VERSION = '2026-07-28';

/** Longer than any wait the bench asks for (60 s), so the server's timeout always comes first. */
const CLIENT_TIMEOUT_MS = 120_000;

/** A tool call that came back with isError, or a result that is not the JSON object we expect. */
export class ToolCallError extends Error {}

/**
 * A server as agents reach it: its base URL, and the API key every call must carry when the
 * coordinator has keys on (C3PO_ADMIN_TOKEN set). The floor server has none.
 */
export interface Endpoint {
  url: string;
  apiKey?: string;
}

/** What every HTTP request of agent `id` carries, MCP and REST alike: its id, and the key if any. */
export function agentHeaders(endpoint: Endpoint, id: string): Record<string, string> {
  return { 'X-Agent-ID': id, ...(endpoint.apiKey && { Authorization: `Bearer ${endpoint.apiKey}` }) };
}

/**
 * One agent's MCP connection, made the way Claude Code makes it: the official 2.x client over
 * Streamable HTTP, protocol pinned, agent id in a header. Both the coordinator and the floor
 * server are driven through this class, so the comparison sees the same client cost.
 *
 * Every call is a single HTTP POST. Node's global fetch (undici) opens as many sockets per
 * origin as there are requests in flight, so 1,000 concurrent long-polls get 1,000 sockets.
 */
export class BenchAgent {
  readonly id: string;
  private readonly client: Client;

  private constructor(id: string, client: Client) {
    this.id = id;
    this.client = client;
  }

  /** `options.fetch` replaces the global fetch for this agent's HTTP requests (e.g. to count bytes). */
  static async connect(endpoint: Endpoint, id: string, options: { fetch?: typeof fetch } = {}): Promise<BenchAgent> {
    const client = new Client(
      { name: `c3po-bench-${id}`, version: '1.0.0' },
      { versionNegotiation: { mode: { pin: PROTOCOL_VERSION } } },
    );
    const transport = new StreamableHTTPClientTransport(new URL('/mcp', endpoint.url), {
      requestInit: { headers: agentHeaders(endpoint, id) },
      fetch: options.fetch,
    });
    await client.connect(transport);
    return new BenchAgent(id, client);
  }

  /** Calls a tool that must succeed and returns its JSON result (structuredContent). */
  async call(name: string, args: Record<string, unknown> = {}, signal?: AbortSignal): Promise<Record<string, any>> {
    const result = await this.client.callTool({ name, arguments: args }, { signal, timeout: CLIENT_TIMEOUT_MS });
    if (result.isError === true) {
      const text = result.content.map((part) => (part.type === 'text' ? part.text : `[${part.type}]`)).join('');
      throw new ToolCallError(`${name} failed: ${text}`);
    }
    const data = result.structuredContent;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      throw new ToolCallError(`${name} returned no structuredContent object`);
    }
    return data as Record<string, any>;
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}

/** Connects agents with bounded concurrency: a thousand handshakes at once would only queue. */
export async function connectAgents(endpoint: Endpoint, ids: string[], concurrency = 50): Promise<BenchAgent[]> {
  const agents: BenchAgent[] = new Array<BenchAgent>(ids.length);
  let next = 0;
  const worker = async () => {
    while (next < ids.length) {
      const index = next++;
      agents[index] = await BenchAgent.connect(endpoint, ids[index]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
  return agents;
}

export async function closeAgents(agents: BenchAgent[]): Promise<void> {
  await Promise.all(agents.map((agent) => agent.close()));
}
