import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

const MCP_LIST = { jsonrpc: '2.0', id: 1, method: 'tools/list' };

describe('Host and Origin checks (DNS-rebinding defence)', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;
  let port: string;

  beforeAll(async () => {
    // Refusals unthrottled: the tests above the audit one refuse dozens of calls a second (audit-flood tests the throttle).
    coordinator = await startCoordinator({
      C3PO_AUDIT_REFUSALS_PER_S: '100000',
      C3PO_ALLOWED_HOSTS: 'c3po.example.com, *.corp.example, 10.0.0.5',
      C3PO_ALLOWED_ORIGINS: 'https://app.example.com,http://localhost:3000',
    });
    api = request(coordinator.url);
    port = new URL(coordinator.url).port;
  });

  afterAll(() => coordinator.close());

  /** A call to `path` with these headers: GET for REST, a tools/list POST for /mcp. */
  function call(path: string, headers: Record<string, string>) {
    const withAgent = { 'X-Agent-ID': 'alice', ...headers };
    return path === '/mcp'
      ? api.post(path).set(withAgent).set('Accept', 'application/json, text/event-stream').send(MCP_LIST)
      : api.get(path).set(withAgent);
  }

  const paths = ['/mcp', '/api/health', '/api/health/live', '/api/agents', '/api/pending'];

  it.each(paths)('refuses a Host that is neither loopback nor listed on %s, naming the fix', async (path) => {
    const response = await call(path, { Host: `evil.example:${port}` }).expect(403);
    expect(response.body).toEqual({
      statusCode: 403,
      message: "Host 'evil.example' is not allowed: add it to C3PO_ALLOWED_HOSTS on the coordinator",
    });
  });

  it.each(paths)('refuses an Origin that is not listed on %s, naming the fix', async (path) => {
    const response = await call(path, { Origin: 'https://evil.example' }).expect(403);
    expect(response.body).toEqual({
      statusCode: 403,
      message: "Origin 'https://evil.example' is not allowed: add it to C3PO_ALLOWED_ORIGINS on the coordinator",
    });
  });

  it.each(['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.1.2.3', '[::1]'])(
    'accepts the loopback Host %s, with or without a port',
    async (host) => {
      await call('/api/health', { Host: host }).expect(200);
      await call('/api/pending', { Host: `${host}:${port}` }).expect(200);
    },
  );

  it.each(['c3po.example.com', 'C3PO.example.com.', 'a.corp.example', 'a.b.corp.example', '10.0.0.5'])(
    'accepts the listed Host %s on /mcp and /api',
    async (host) => {
      await call('/api/pending', { Host: `${host}:${port}` }).expect(200);
      await call('/mcp', { Host: host }).expect(200);
    },
  );

  it.each([
    'corp.example',
    'evilcorp.example',
    'c3po.example.com.evil.example',
    'localhost.evil.example',
    '10.0.0.6',
    '0.0.0.0',
  ])('refuses %s, which only resembles a listed or loopback name', async (host) => {
    await call('/api/health', { Host: host }).expect(403);
  });

  it('accepts listed origins, compared as scheme://host[:port]', async () => {
    await call('/mcp', { Origin: 'https://app.example.com' }).expect(200);
    await call('/api/pending', { Origin: 'HTTPS://App.Example.com:443' }).expect(200);
    await call('/api/pending', { Origin: 'http://localhost:3000' }).expect(200);
  });

  it.each(['http://app.example.com', 'https://app.example.com:8443', 'http://localhost:3001', 'http://localhost'])(
    'refuses origin %s, which differs from a listed one in scheme or port',
    async (origin) => {
      await call('/mcp', { Origin: origin }).expect(403);
    },
  );

  it('refuses Origin: null (sandboxed pages, files)', async () => {
    const response = await call('/mcp', { Origin: 'null' }).expect(403);
    expect(response.body.message).toBe(
      "Origin 'null' is not allowed: only http(s) pages listed in C3PO_ALLOWED_ORIGINS may call the coordinator",
    );
  });

  it('checks Host before anything else: a refused call never reaches the agent guard', async () => {
    const response = await api.get('/api/pending').set('Host', 'evil.example').expect(403);
    expect(response.body.message).toMatch(/^Host 'evil.example' is not allowed/);
  });

  it('lets Prometheus scrape /metrics by pod IP', async () => {
    const response = await api.get('/metrics').set('Host', `10.1.2.3:${port}`).expect(200);
    expect(response.text).toContain('c3po_');
  });

  it('writes each refusal to the audit stream, with a well-formed claimed agent id only', async () => {
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const stream = coordinator.app.get(RedisKeys).audit;
    await redis.del(stream);
    await call('/api/pending', { Host: 'rebind.evil.example', 'X-Agent-ID': 'mallory' }).expect(403);
    await call('/mcp', { Origin: 'https://page.evil.example', 'X-Agent-ID': 'not valid!' }).expect(403);
    await eventually(async () => (await redis.xlen(stream)) === 2, 'two audit entries');
    const entries = (await redis.xrange(stream, '-', '+')).map(([, flat]) =>
      Object.fromEntries(flat.flatMap((_, i) => (i % 2 === 0 ? [[flat[i], flat[i + 1]]] : []))),
    );
    expect(entries).toEqual([
      { action: 'refused.host', outcome: 'host not allowed', agent: 'mallory', key: '', detail: 'rebind.evil.example' },
      {
        action: 'refused.origin',
        outcome: 'origin not allowed',
        agent: '',
        key: '',
        detail: 'https://page.evil.example',
      },
    ]);
  });

  describe.each(clientKinds)('with the MCP client %s', (kind) => {
    it('connects to http://localhost:PORT and calls a tool', async () => {
      const agent = await Agent.connect(`http://localhost:${port}`, 'loopback-name', kind);
      try {
        expect((await agent.ok('list_agents')).agents).toEqual(expect.any(Array));
      } finally {
        await agent.close();
      }
    });

    it('cannot connect from a page of another origin', async () => {
      await expect(
        Agent.connect(`http://localhost:${port}`, 'from-a-page', kind, { headers: { Origin: 'https://evil.example' } }),
      ).rejects.toThrow(/403|not allowed/);
    });
  });
});
