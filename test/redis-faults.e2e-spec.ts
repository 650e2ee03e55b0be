import { Redis } from 'ioredis';
import request from 'supertest';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';
import { RedisServer } from './support/redis-server.js';

const STORAGE_UNAVAILABLE = 'storage unavailable, try again shortly';

describe('a stalled Redis', () => {
  let redis: RedisServer;
  let admin: Redis;
  let coordinator: Coordinator;

  beforeAll(async () => {
    // A Redis of its own: this test pauses it.
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
    coordinator = await startCoordinator({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await coordinator.close();
    admin.disconnect();
    await redis.stop();
  });

  it('fails REST and MCP calls with 503 "storage unavailable" instead of hanging, and serves them after', async () => {
    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.connect(coordinator.url, 'bob');
    try {
      await bob.ok('list_agents');
      // Every client waits while Redis is paused, this one's later commands included.
      await admin.call('CLIENT', 'PAUSE', '4000', 'ALL');
      const [rest, mcp] = await Promise.all([
        request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'alice'),
        alice.call('send_request', { target: 'bob', message: 'during the pause' }),
      ]);
      expect(rest.status).toBe(503);
      expect(rest.body).toEqual({ statusCode: 503, message: STORAGE_UNAVAILABLE });
      expect(mcp).toMatchObject({ isError: true, text: expect.stringContaining(STORAGE_UNAVAILABLE) });

      await eventually(
        async () => (await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'alice')).status === 200,
        'Redis to serve again once the pause ends',
        10_000,
      );
      expect((await alice.ok('list_agents')).agents).toBeDefined();
    } finally {
      await alice.close();
      await bob.close();
    }
  });
});

describe('logs of a Redis outage', () => {
  let redis: RedisServer;
  let coordinator: CoordinatorProcess | undefined;

  afterAll(async () => {
    coordinator?.kill();
    await redis.stop();
  });

  it('are one line when Redis goes away and one when it is back, however many probes came between, without colour codes', async () => {
    redis = await RedisServer.start();
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url, C3PO_LOG_FORMAT: 'json' });
    await request(coordinator.url).get('/api/health').expect(200);

    await redis.stop();
    for (let probe = 0; probe < 5; probe++) {
      await request(coordinator.url).get('/api/health').expect(503);
    }
    redis = await RedisServer.start(redis.port);
    await eventually(
      async () => (await request(coordinator!.url).get('/api/health')).status === 200,
      'readiness to recover',
      10_000,
    );
    await eventually(() => coordinator!.output.some((line) => line.includes('reachable again')), 'the recovery line');

    const output = coordinator.output.filter((line) => line.trim() !== '');
    expect(output.join('\n')).not.toContain('\u001b');
    const records = output.map((line) => JSON.parse(line) as Record<string, string>);
    const outages = records.filter((r) => /cannot reach Redis/.test(r.message));
    const recoveries = records.filter((r) => /reachable again/.test(r.message));
    expect(outages).toEqual([expect.objectContaining({ level: 'error', context: 'Redis:main' })]);
    expect(recoveries).toEqual([expect.objectContaining({ level: 'log', context: 'Redis:main' })]);
    // Nothing else speaks for each probe or each reconnect attempt.
    expect(records.filter((r) => r.level === 'error' || r.level === 'warn').length).toBeLessThanOrEqual(3);
  });
});
