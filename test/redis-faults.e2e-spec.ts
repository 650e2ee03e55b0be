import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';
import { RedisServer } from './support/redis-server.js';

const STORAGE_UNAVAILABLE = 'storage unavailable, try again shortly';

/** The value of one sample in Prometheus text format. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : NaN;
}

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
    const bob = await Agent.registered(coordinator.url, 'bob');
    try {
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

describe('Redis persistence and data loss', () => {
  let coordinator: CoordinatorProcess | undefined;
  const servers: RedisServer[] = [];
  const clients: Redis[] = [];
  const dirs: string[] = [];

  afterEach(async () => {
    await coordinator?.kill();
    coordinator = undefined;
    clients.splice(0).forEach((client) => client.disconnect());
    await Promise.all(servers.splice(0).map((server) => server.stop()));
    dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
  });

  /** A client of our own on `redis`, closed after the test whatever happens. */
  function adminOf(redis: RedisServer): Redis {
    const client = new Redis(redis.url);
    clients.push(client);
    return client;
  }

  async function privateRedis(port?: number, args: string[] = []): Promise<RedisServer> {
    const server = await RedisServer.start({ port, args });
    servers.push(server);
    return server;
  }

  it('warns once at start that a Redis without persistence loses every request on restart', async () => {
    const redis = await privateRedis();
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url });
    await eventually(() => coordinator!.output.some((line) => line.includes('appendonly')), 'the warning');
    const warnings = coordinator.output.filter((line) => line.includes('appendonly'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/WARN/);
    expect(warnings[0]).toMatch(/loses every request/);
    expect(warnings[0]).toMatch(/set appendonly yes/);
  });

  it('warns that a Redis with RDB snapshots only loses the writes since the last one', async () => {
    const redis = await privateRedis();
    await adminOf(redis).config('SET', 'save', '3600 1');
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url });
    await eventually(() => coordinator!.output.some((line) => line.includes('appendonly')), 'the warning');
    expect(coordinator.output.filter((line) => line.includes('appendonly'))).toEqual([
      expect.stringMatching(/loses writes since the last snapshot/),
    ]);
  });

  it('says nothing about persistence when Redis has AOF on', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'c3po-aof-'));
    dirs.push(dir);
    const redis = await privateRedis(undefined, ['--appendonly', 'yes', '--dir', dir]);
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url, C3PO_MARKER_CHECK_MS: '100' });
    // The marker is written after the persistence check: once it is there, the check is over.
    const admin = adminOf(redis);
    await eventually(async () => (await admin.keys('*marker')).length > 0, 'the marker to be written');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(coordinator.output.filter((line) => /appendonly|persistence/.test(line))).toEqual([]);
  });

  it('reports once, and counts, that Redis lost its data while the coordinator ran', async () => {
    const redis = await privateRedis();
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url, C3PO_MARKER_CHECK_MS: '100' });
    const admin = adminOf(redis);
    await eventually(async () => (await admin.keys('*marker')).length > 0, 'the marker to be written');
    const lossLines = () => coordinator!.output.filter((line) => line.includes('Redis lost its data'));
    const lossCount = async () =>
      sample((await request(coordinator!.url).get('/metrics')).text, 'c3po_redis_data_loss_total');
    expect(await lossCount()).toBe(0);

    await admin.flushall();
    await eventually(async () => (await lossCount()) === 1, 'the loss to be counted');
    // Several more checks run; the marker they find is the rewritten one.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lossLines()).toHaveLength(1);
    expect(lossLines()[0]).toMatch(/requests stored before were lost; give Redis persistence \(appendonly yes\)/);
    expect(await lossCount()).toBe(1);
  });

  it('notices the loss when a Redis without persistence restarts, checking as soon as it is back', async () => {
    const redis = await privateRedis();
    // A long period: only the check on reconnect can find the loss within this test.
    coordinator = await CoordinatorProcess.start({ REDIS_URL: redis.url, C3PO_MARKER_CHECK_MS: '600000' });
    const admin = adminOf(redis);
    await eventually(async () => (await admin.keys('*marker')).length > 0, 'the marker to be written');
    await redis.stop();
    await privateRedis(redis.port);
    await eventually(
      () => coordinator!.output.some((line) => line.includes('Redis lost its data')),
      'the loss to be reported',
      10_000,
    );
    const metrics = (await request(coordinator.url).get('/metrics')).text;
    expect(sample(metrics, 'c3po_redis_data_loss_total')).toBe(1);
  });
});

describe('logs of a Redis outage', () => {
  let redis: RedisServer;
  let coordinator: CoordinatorProcess | undefined;

  afterAll(async () => {
    await coordinator?.kill();
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
