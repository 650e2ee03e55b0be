/**
 * The floor: a bare MCP SDK server with one trivial tool and nothing else — no framework, no
 * guard, no Redis. Stateless Streamable HTTP through the same SDK entry the coordinator's MCP
 * layer uses (createMcpHandler + toNodeHandler), serving the 2026-07-28 revision.
 *
 * Run by the bench as its own process (`node bench/floor-server.ts [port]`), like the
 * coordinator, so neither shares an event loop with the load generator. Prints
 * "floor listening on <url>" when ready.
 */
import { createServer } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';

const handler = createMcpHandler(() => {
  const server = new McpServer({ name: 'floor', version: '1.0.0' });
  server.registerTool('ping', { description: 'Answers pong.' }, () => {
    const data = { pong: true };
    // Same result shape as the coordinator's tools: JSON text plus structuredContent.
    return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
  });
  return server;
});
const mcp = toNodeHandler(handler);

const http = createServer((request, response) => {
  if (request.url === '/mcp' || request.url?.startsWith('/mcp?')) {
    void mcp(request, response);
    return;
  }
  response.writeHead(404).end();
});
http.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  const { port } = http.address() as { port: number };
  process.stdout.write(`floor listening on http://127.0.0.1:${port}\n`);
});
process.on('SIGTERM', () => {
  void handler.close();
  http.close();
  http.closeAllConnections();
});
