/**
 * Measures how long the built coordinator (dist/main.js) takes to exit after SIGTERM while MCP
 * clients hold keep-alive connections and one of them is blocked in a wait. Prints one figure
 * per round and the median. Usage: npm run build && node bench/shutdown-time.ts [rounds] [clients]
 */
import { CoordinatorProcess } from '../test/support/coordinator-process.ts';
import { RedisServer } from '../test/support/redis-server.ts';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

const rounds = Number(process.argv[2] ?? 5);
const clientCount = Number(process.argv[3] ?? 4);

async function connect(url: string, id: string): Promise<Client> {
  const client = new Client({ name: `shutdown-${id}`, version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL('/mcp', url), { requestInit: { headers: { 'X-Agent-ID': id } } }),
  );
  return client;
}

async function round(redisUrl: string): Promise<{ ms: number; code: number | null; waitResult: string }> {
  const coordinator = await CoordinatorProcess.start({ REDIS_URL: redisUrl, C3PO_KEY_PREFIX: `sd-${Date.now()}` });
  const url = coordinator.url;
  const clients = await Promise.all(Array.from({ length: clientCount }, (_, i) => connect(url, `c${i}`)));
  // Every client has made calls, so each holds a keep-alive connection to the coordinator.
  await Promise.all(clients.map((client) => client.callTool({ name: 'list_agents', arguments: {} })));
  const wait = clients[0]
    .callTool({ name: 'wait_for_request', arguments: { timeout: 600 } }, { timeout: 700_000 })
    .then(
      (result) => JSON.stringify(result.structuredContent ?? result.content),
      (error: Error) => error.message,
    );
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = performance.now();
  const code = await coordinator.terminate();
  const ms = performance.now() - started;
  const waitResult = await wait;
  await Promise.all(clients.map((client) => client.close().catch(() => {})));
  return { ms, code, waitResult };
}

const redis = await RedisServer.start();
const figures: number[] = [];
try {
  for (let i = 0; i < rounds; i++) {
    const result = await round(redis.url);
    figures.push(result.ms);
    console.log(
      `round ${i + 1}: exit ${result.code} after ${result.ms.toFixed(0)} ms; wait got ${result.waitResult.slice(0, 60)}`,
    );
  }
} finally {
  await redis.stop();
}
figures.sort((a, b) => a - b);
console.log(
  `median ${figures[Math.floor(figures.length / 2)].toFixed(0)} ms over ${rounds} rounds, ${clientCount} keep-alive clients`,
);
