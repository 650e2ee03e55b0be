import request from 'supertest';
import { RequestsStore } from '../src/requests/requests.store.js';
import { Agent } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';
import { RedisServer } from './support/redis-server.js';

const INBOX = 3000;
const FULL_SIZE = 64 * 1024;

/**
 * An inbox of 3,000 requests of the largest size: every answer about it is one page, whatever
 * the inbox holds. A Redis of its own, so the 200 MB it holds leave with it.
 */
describe('an inbox of 3,000 full-size requests', () => {
  let redis: RedisServer;
  let coordinator: Coordinator;
  let owner: Agent;
  const ids: string[] = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    // Far past the default inbox limits (1,000 requests, 16 MiB) and one sender's 60 sends a
    // minute: this inbox is about answers that stay small however much it holds.
    coordinator = await startCoordinator({
      REDIS_URL: redis.url,
      C3PO_SENDS_PER_MINUTE: String(INBOX + 10),
      C3PO_INBOX_MAX_REQUESTS: String(INBOX + 10),
      C3PO_INBOX_MAX_BYTES: String((INBOX + 10) * 2 * FULL_SIZE),
      // Filling 384 MB of Redis on a busy 2-core machine can hold a command past the 1 s default;
      // this file is about answer sizes, not stalls (redis-faults tests those).
      C3PO_REDIS_TIMEOUT_MS: '10000',
    });
    owner = await Agent.registered(coordinator.url, 'owner');
    const store = coordinator.app.get(RequestsStore);
    // Each one different: identical sends would be taken for retries of the first.
    const message = (n: number) => `${n} `.padEnd(FULL_SIZE, 'm');
    for (let batch = 0; batch < INBOX; batch += 100) {
      await Promise.all(
        Array.from({ length: 100 }, async (_, i) => {
          const requestId = `req-bulk-${String(batch + i).padStart(4, '0')}`;
          ids[batch + i] = requestId;
          await store.send({
            requestId,
            conversationId: `conv-${requestId}`,
            startsConversation: true,
            from: 'flooder',
            to: 'owner',
            message: message(batch + i),
            context: message(batch + i),
            deliverNow: false,
            payer: 'flooder',
          });
        }),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await owner.close();
    await coordinator.close();
    await redis.stop();
  });

  it('accepts a send of a full-size message and context, even of characters JSON escapes', async () => {
    const sender = await Agent.connect(coordinator.url, 'quoter');
    try {
      const text = '"\n'.repeat(FULL_SIZE / 2);
      const { request_id } = await sender.ok('send_request', { target: 'owner', message: text, context: text });
      expect((await sender.ok('get_request', { request_id })).request.message).toBe(text);
      await sender.ok('cancel_request', { request_id });
    } finally {
      await sender.close();
    }
  });

  it('get_pending_requests answers with one page of previews and hands out only that page', async () => {
    const outcome = await owner.call('get_pending_requests', {});
    const page = outcome.data;
    expect(page.total).toBe(INBOX);
    expect(page.requests).toHaveLength(20);
    expect(page.requests.map((r: { request_id: string }) => r.request_id)).toEqual(ids.slice(0, 20));
    expect(page.requests[0]).toMatchObject({ message_bytes: FULL_SIZE, context_bytes: FULL_SIZE, truncated: true });
    // 20 previews of 2,000 + 2,000 bytes, plus their fields.
    expect(outcome.text.length).toBeLessThan(100_000);
    expect(await owner.ok('get_request_status', { request_id: ids[20] })).toMatchObject({ state: 'queued' });

    const biggest = await owner.call('get_pending_requests', { limit: 100, cursor: page.next_cursor });
    expect(biggest.data.requests).toHaveLength(100);
    expect(biggest.data.requests[0].request_id).toBe(ids[20]);
    expect(biggest.text.length).toBeLessThan(500_000);
  });

  it('GET /api/pending counts everything and previews the oldest 20', async () => {
    const response = await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'owner').expect(200);
    expect(response.body.count).toBe(INBOX);
    expect(response.body.requests).toHaveLength(20);
    expect(response.text.length).toBeLessThan(20_000);
    const limited = await request(coordinator.url).get('/api/pending?limit=100').set('X-Agent-ID', 'owner').expect(200);
    expect(limited.body.requests).toHaveLength(100);
    await request(coordinator.url).get('/api/pending?limit=1000').set('X-Agent-ID', 'owner').expect(400);
  });
});
