import request from 'supertest';

export interface ListedTool {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/** The coordinator's tools/list, as a client receives it. */
export async function listedTools(url: string): Promise<ListedTool[]> {
  const response = await request(url)
    .post('/mcp')
    .set('Accept', 'application/json, text/event-stream')
    .set('MCP-Protocol-Version', '2025-11-25')
    .set('X-Agent-ID', 'tool-list-measure')
    .send({ jsonrpc: '2.0', id: 1, method: 'tools/list' })
    .expect(200);
  const body = response.text.startsWith('{') ? response.text : /^data: (.*)$/m.exec(response.text)![1];
  return (JSON.parse(body) as { result: { tools: ListedTool[] } }).result.tools;
}

/**
 * What a tool costs a model's context, in characters: its name, description and input schema as
 * compact JSON, the shape the Messages API's `tools` carry them in.
 */
export function contextChars(tool: ListedTool): number {
  return JSON.stringify({ name: tool.name, description: tool.description, input_schema: tool.inputSchema }).length;
}
