import { Agent } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';
import { RedisServer } from './support/redis-server.js';

describe('blocked waits when Redis goes away', () => {
  let redis: RedisServer;
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    redis = await RedisServer.start();
    // Re-checks every 300 ms: how soon a sleeping wait notices that Redis is gone.
    coordinator = await startCoordinator({ REDIS_URL: redis.url, C3PO_WAIT_RECHECK_MS: '300' });
    alice = await Agent.connect(coordinator.url, 'alice');
    bob = await Agent.connect(coordinator.url, 'bob');
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await coordinator.close();
    await redis.stop();
  });

  it('end with "unavailable", not an error, and work again once Redis is back', async () => {
    await bob.ok('register_agent');
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'before the outage' });
    const carol = await Agent.connect(coordinator.url, 'carol');
    try {
      const senderWaits = alice.call('wait_for_response', { request_id, timeout: 60 });
      const idleWaits = carol.call('wait_for_request', { timeout: 60 });
      await eventually(() => coordinator.blockedWaiters() === 2, 'both waits to block');
      await redis.stop();

      // An agent that connects and waits while Redis is down gets the same answer, not an HTTP error.
      const latecomer = await Agent.connect(coordinator.url, 'dave');
      const lateWait = await latecomer.call('wait_for_request', { timeout: 60 });
      await latecomer.close();
      for (const outcome of [await senderWaits, await idleWaits, lateWait]) {
        expect(outcome.isError).toBe(false);
        expect(outcome.data).toMatchObject({ status: 'unavailable', message: expect.stringMatching(/call again/) });
      }
    } finally {
      await carol.close();
    }

    redis = await RedisServer.start(redis.port);
    // Without persistence the test Redis comes back empty: the agents register again.
    await eventually(async () => !(await bob.call('register_agent')).isError, 'calls to work again', 15_000);
    const { request_id: after } = await alice.ok('send_request', { target: 'bob', message: 'after the outage' });
    expect((await bob.ok('wait_for_request', { timeout: 5 })).request.request_id).toBe(after);
  });
});
