import request from 'supertest';
import { Coordinator, startCoordinator } from './support/coordinator.js';

/** `[[[…]]]` nested `depth` levels. */
function nested(depth: number): string {
  return '['.repeat(depth) + ']'.repeat(depth);
}

function toolCall(target: string): string {
  return `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"send_request","arguments":{"target":${target},"message":"m"},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientInfo":{"name":"t","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}`;
}

describe('request bodies', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
  });

  afterAll(() => coordinator.close());

  /** A 2026-era send_request whose target is nested `depth` levels deep. */
  const sendNested = (depth: number) =>
    api
      .post('/mcp')
      .set('X-Agent-ID', 'deep')
      .set('Content-Type', 'application/json')
      .set('Accept', 'application/json, text/event-stream')
      .set('MCP-Protocol-Version', '2026-07-28')
      .set('Mcp-Method', 'tools/call')
      .set('Mcp-Name', 'send_request')
      .send(toolCall(nested(depth)));

  // Found by test/fuzz: JSON.parse takes any depth, but the MCP adapter's JSON.stringify and
  // class-transformer recurse, and a stack overflow there was a 500.
  it('refuses a body nested 30,000 levels deep with a 400 on /mcp', async () => {
    const response = await sendNested(30_000).expect(400);
    expect(response.body).toEqual({ statusCode: 400, message: 'the JSON body nests deeper than 64 levels' });
  });

  it('refuses a body nested 30,000 levels deep with a 400 on REST', async () => {
    const response = await api
      .post('/api/agents/register')
      .set('X-Agent-ID', 'deep')
      .set('Content-Type', 'application/json')
      .send(`{"capabilities":${nested(30_000)}}`)
      .expect(400);
    expect(response.body).toEqual({ statusCode: 400, message: 'the JSON body nests deeper than 64 levels' });
  });

  it('serves a body nested exactly as deep as the limit, and refuses one level more', async () => {
    // Body, params and arguments are 3 levels: 61 arrays make 64.
    const served = await sendNested(61).expect(200);
    expect(served.body.result).toMatchObject({
      isError: true,
      content: [{ text: expect.stringContaining('expected string, received array') }],
    });
    await sendNested(62).expect(400);
  });
});
