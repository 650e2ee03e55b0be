import request from 'supertest';
import { RedisServer } from './support/redis-server.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

describe('health checks', () => {
  let redis: RedisServer;
  let coordinator: Coordinator;

  beforeAll(async () => {
    // A Redis of its own: this test kills it.
    redis = await RedisServer.start();
    coordinator = await startCoordinator({ REDIS_URL: redis.url });
  });

  afterAll(async () => {
    await coordinator.close();
    await redis.stop();
  });

  it('is ready while Redis answers', async () => {
    const response = await request(coordinator.url).get('/api/health').expect(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.details.redis.status).toBe('up');
  });

  it('turns readiness to 503 when Redis dies, keeps liveness at 200, and recovers when it returns', async () => {
    await redis.stop();
    const response = await request(coordinator.url).get('/api/health').expect(503);
    expect(response.body.status).toBe('error');
    expect(response.body.details.redis.status).toBe('down');
    await request(coordinator.url).get('/api/health/live').expect(200);

    // Calls that need Redis fail with a clear 503 rather than hanging or crashing.
    const pending = await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'a').expect(503);
    expect(pending.body).toEqual({ statusCode: 503, message: 'storage unavailable, try again shortly' });

    redis = await RedisServer.start(redis.port);
    await eventually(
      async () => (await request(coordinator.url).get('/api/health')).status === 200,
      'readiness to recover',
      10_000,
    );
  });
});
