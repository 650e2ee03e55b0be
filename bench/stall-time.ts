/**
 * Measures how long REST and MCP calls take to fail while Redis stalls (CLIENT PAUSE, then
 * SIGSTOP of redis-server), and when an 8 s wait_for_request returns during a 20 s CLIENT PAUSE
 * that starts before it or 2 s into it, against the built coordinator (dist/main.js).
 * Usage: npm run build && node bench/stall-time.ts
 */
import { Redis } from 'ioredis';
import { CoordinatorProcess } from '../test/support/coordinator-process.ts';
import { RedisServer } from '../test/support/redis-server.ts';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

async function timed<T>(call: () => Promise<T>): Promise<[number, T]> {
  const started = performance.now();
  const result = await call();
  return [performance.now() - started, result];
}

const redis = await RedisServer.start();
const coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url, C3PO_KEY_PREFIX: 'stall' });
const client = new Client({ name: 'stall', version: '1.0.0' });
await client.connect(
  new StreamableHTTPClientTransport(new URL('/mcp', coordinator.url), {
    requestInit: { headers: { 'X-Agent-ID': 'stall' } },
  }),
);
const rest = () => fetch(`${coordinator.url}/api/pending`, { headers: { 'X-Agent-ID': 'stall' } });
const mcp = () => client.callTool({ name: 'list_agents', arguments: {} });
const admin = new Redis(redis.url);
try {
  for (const stall of ['CLIENT PAUSE 4000 ALL', 'SIGSTOP']) {
    if (stall === 'SIGSTOP') {
      process.kill(redis.pid, 'SIGSTOP');
    } else {
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
    }
    const [[restMs, response], [mcpMs, result]] = await Promise.all([timed(rest), timed(mcp)]);
    const body = await response.text();
    const text = (result.content as { text: string }[]).map((part) => part.text).join('');
    console.log(`${stall}: REST ${response.status} in ${restMs.toFixed(0)} ms ${body}`);
    console.log(`${stall}: MCP isError=${result.isError} in ${mcpMs.toFixed(0)} ms ${text}`);
    if (stall === 'SIGSTOP') {
      process.kill(redis.pid, 'SIGCONT');
    }
    await new Promise((resolve) => setTimeout(resolve, 4500));
    const after = await rest();
    console.log(`${stall}: after the stall REST ${after.status}`);
  }
  for (const pauseAfterMs of [0, 2000]) {
    const started = performance.now();
    const pausing = new Promise((resolve) => setTimeout(resolve, pauseAfterMs)).then(() =>
      admin.call('CLIENT', 'PAUSE', '20000', 'ALL'),
    );
    if (pauseAfterMs === 0) {
      await pausing;
    }
    const result = await client.callTool({ name: 'wait_for_request', arguments: { timeout: 8 } });
    const text = (result.content as { text: string }[]).map((part) => part.text).join('');
    const when = pauseAfterMs === 0 ? 'before' : `${pauseAfterMs / 1000} s into`;
    console.log(
      `CLIENT PAUSE 20000 ALL ${when} an 8 s wait_for_request: returned after ${(performance.now() - started).toFixed(0)} ms ${text}`,
    );
    await pausing;
    await admin.call('CLIENT', 'UNPAUSE');
  }
} finally {
  admin.disconnect();
  await client.close();
  await coordinator.kill();
  await redis.stop();
}
