import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

/** Leases of a second, taken back within 50 ms of running out; a request is handed out 3 times at most. */
const SHORT_LEASES = { C3PO_DELIVERY_LEASE_S: '1', C3PO_LEASE_SWEEP_MS: '50', C3PO_MAX_DELIVERIES: '3' };

/** A coordinator started with `env` and agents alice and bob on it, for the enclosing describe. */
function aliceAndBob(env: Record<string, string>) {
  const t = {} as { coordinator: Coordinator; alice: Agent; bob: Agent };
  beforeAll(async () => {
    t.coordinator = await startCoordinator(env);
    t.alice = await Agent.registered(t.coordinator.url, 'alice');
    t.bob = await Agent.registered(t.coordinator.url, 'bob');
  });
  afterAll(async () => {
    await t.alice.close();
    await t.bob.close();
    await t.coordinator.close();
  });
  return t;
}

describe('delivery guarantees', () => {
  const t = aliceAndBob(SHORT_LEASES);

  const ask = async (message: string, extra: Record<string, unknown> = {}) =>
    (await t.alice.ok('send_request', { target: 'bob', message, ...extra })).request_id as string;

  describe('leases', () => {
    it('queues a request again when its lease runs out unanswered, counting each hand-out', async () => {
      const requestId = await ask('take me twice');
      const first = await t.bob.ok('wait_for_request', { timeout: 5 });
      expect(first.request).toMatchObject({ request_id: requestId, state: 'delivered', delivery_count: 1 });
      expect(Date.parse(first.request.lease_expires_at)).toBeGreaterThan(Date.parse(first.request.delivered_at));
      expect(await t.alice.ok('get_request_status', { request_id: requestId })).toMatchObject({
        state: 'delivered',
        delivery_count: 1,
      });
      // Asleep before the lease ends: only the sweep's wake-up can bring the request back to it.
      const second = await t.bob.ok('wait_for_request', { timeout: 30 });
      expect(second.request).toMatchObject({ request_id: requestId, delivery_count: 2 });
      await t.bob.ok('respond_to_request', { request_id: requestId, response: 'done at last' });
      expect(await t.alice.ok('wait_for_response', { request_id: requestId })).toMatchObject({
        status: 'answered',
        response: 'done at last',
      });
    });

    it('renews the lease when the addressee reads the request again', async () => {
      const requestId = await ask('still on it');
      const { request } = await t.bob.ok('wait_for_request', { timeout: 5 });
      const reread = await t.bob.ok('get_request', { request_id: requestId });
      expect(Date.parse(reread.request.lease_expires_at)).toBeGreaterThan(Date.parse(request.lease_expires_at));
      // The sender reading it leaves the lease alone.
      const bySender = await t.alice.ok('get_request', { request_id: requestId });
      expect(bySender.request.lease_expires_at).toBe(reread.request.lease_expires_at);
      await t.bob.ok('respond_to_request', { request_id: requestId, response: 'ok' });
    });

    it('makes a request undeliverable after C3PO_MAX_DELIVERIES hand-outs, tells the blocked sender at once, and lets an operator requeue it', async () => {
      const requestId = await ask('nobody answers me');
      const senderWaits = t.alice.ok('wait_for_response', { request_id: requestId, timeout: 60 });
      for (let delivery = 1; delivery <= 3; delivery++) {
        const { request } = await t.bob.ok('wait_for_request', { timeout: 30 });
        expect(request).toMatchObject({ request_id: requestId, delivery_count: delivery });
      }
      expect(await senderWaits).toMatchObject({
        status: 'undeliverable',
        request_id: requestId,
        delivery_count: 3,
        message: expect.stringMatching(/'bob' was handed it 3 times/),
      });
      expect(await t.bob.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
      expect((await t.bob.ok('get_pending_requests')).total).toBe(0);

      const dead = await request(t.coordinator.url).get('/api/dead-letters').expect(200);
      expect(dead.body).toMatchObject({ total: 1, next_offset: null });
      expect(dead.body.requests[0]).toMatchObject({ request_id: requestId, state: 'undeliverable', to_agent: 'bob' });

      const requeued = await request(t.coordinator.url).post(`/api/dead-letters/${requestId}/requeue`).expect(200);
      expect(requeued.body).toMatchObject({ state: 'queued', delivery_count: 0 });
      await request(t.coordinator.url).post(`/api/dead-letters/${requestId}/requeue`).expect(409);
      await request(t.coordinator.url).post('/api/dead-letters/req-nope/requeue').expect(404);
      expect((await t.bob.ok('wait_for_request', { timeout: 5 })).request).toMatchObject({
        request_id: requestId,
        delivery_count: 1,
      });
      await t.bob.ok('respond_to_request', { request_id: requestId, response: 'second chance taken' });
      expect((await t.alice.ok('wait_for_response', { request_id: requestId })).response).toBe('second chance taken');
      expect((await request(t.coordinator.url).get('/api/dead-letters').expect(200)).body.total).toBe(0);
    });
  });

  it('delivers, leases and redelivers a request stored by the previous version (no seq, expiry or count)', async () => {
    const keys = t.coordinator.app.get(RedisKeys);
    const redis = t.coordinator.app.get<Redis>(REDIS_CLIENT);
    const requestId = 'req-stored-by-v01';
    await redis
      .multi()
      .hset(keys.request(requestId), {
        request_id: requestId,
        conversation_id: 'conv-old',
        from_agent: 'alice',
        to_agent: 'bob',
        message: 'from before the upgrade',
        context: '',
        state: 'queued',
        created_at: String(Date.now()),
      })
      .zadd(keys.queued('bob'), 1, requestId)
      .zadd(keys.pending('bob'), 1, requestId)
      .exec();
    expect((await t.bob.ok('wait_for_request', { timeout: 5 })).request).toMatchObject({
      request_id: requestId,
      delivery_count: 1,
    });
    expect((await t.bob.ok('wait_for_request', { timeout: 30 })).request).toMatchObject({
      request_id: requestId,
      delivery_count: 2,
    });
    await t.bob.ok('respond_to_request', { request_id: requestId, response: 'upgraded' });
    expect((await t.alice.ok('wait_for_response', { request_id: requestId })).response).toBe('upgraded');
  });

  describe('cancel_request', () => {
    it('takes the request out of the inbox, wakes the sender, and refuses a later answer', async () => {
      const requestId = await ask('never mind');
      const watcher = await Agent.connect(t.coordinator.url, 'alice');
      try {
        const waiting = watcher.ok('wait_for_response', { request_id: requestId, timeout: 30 });
        await eventually(() => t.coordinator.blockedWaiters() === 1, 'the sender to block');
        expect(await t.bob.fails('cancel_request', { request_id: requestId })).toMatch(/not sent by you/);
        expect(await t.alice.ok('cancel_request', { request_id: requestId })).toMatchObject({
          request_id: requestId,
          state: 'cancelled',
        });
        expect(await waiting).toMatchObject({ status: 'cancelled', request_id: requestId });
      } finally {
        await watcher.close();
      }
      // Cancelling again is harmless.
      expect((await t.alice.ok('cancel_request', { request_id: requestId })).state).toBe('cancelled');
      expect((await t.bob.ok('get_pending_requests')).requests).toEqual([]);
      expect(await t.bob.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
      expect(await t.bob.fails('respond_to_request', { request_id: requestId, response: 'too late' })).toMatch(
        /cancelled by its sender/,
      );
      expect(await t.alice.ok('get_request_status', { request_id: requestId })).toMatchObject({ state: 'cancelled' });
    });

    it('refuses to cancel an answered request', async () => {
      const requestId = await ask('quick');
      await t.bob.ok('respond_to_request', { request_id: requestId, response: 'answered already' });
      expect(await t.alice.fails('cancel_request', { request_id: requestId })).toMatch(/already answered/);
    });
  });

  describe('safe retries', () => {
    it('returns the first request for a repeated send while it is unanswered, and a new one after', async () => {
      const first = await t.alice.ok('send_request', { target: 'bob', message: 'same words', context: 'same' });
      const again = await t.alice.ok('send_request', { target: 'bob', message: 'same words', context: 'same' });
      expect(again).toMatchObject({
        request_id: first.request_id,
        conversation_id: first.conversation_id,
        duplicate: true,
      });
      expect(first.duplicate).toBeUndefined();
      // Other context is another request.
      const other = await t.alice.ok('send_request', { target: 'bob', message: 'same words', context: 'different' });
      expect(other.request_id).not.toBe(first.request_id);
      expect((await t.bob.ok('get_pending_requests')).total).toBe(2);
      for (const id of [first.request_id, other.request_id]) {
        await t.bob.ok('respond_to_request', { request_id: id, response: 'once' });
      }
      const afterAnswer = await t.alice.ok('send_request', { target: 'bob', message: 'same words', context: 'same' });
      expect(afterAnswer.request_id).not.toBe(first.request_id);
      await t.bob.ok('respond_to_request', { request_id: afterAnswer.request_id, response: 'once more' });
    });

    it('honours an idempotency_key, even after the answer, and refuses it for other content', async () => {
      const first = await ask('keyed', { idempotency_key: 'job-42' });
      await t.bob.ok('respond_to_request', { request_id: first, response: 'did it' });
      const again = await t.alice.ok('send_request', { target: 'bob', message: 'keyed', idempotency_key: 'job-42' });
      expect(again).toMatchObject({ request_id: first, duplicate: true, status: 'answered' });
      expect(
        await t.alice.fails('send_request', { target: 'bob', message: 'something else', idempotency_key: 'job-42' }),
      ).toMatch(/idempotency_key was already used/);
    });

    it('accepts the same answer twice and refuses a different one', async () => {
      const requestId = await ask('answer me once');
      const answered = { request_id: requestId, status: 'answered' };
      expect(await t.bob.ok('respond_to_request', { request_id: requestId, response: 'yes' })).toEqual(answered);
      expect(await t.bob.ok('respond_to_request', { request_id: requestId, response: 'yes' })).toEqual(answered);
      expect(await t.bob.fails('respond_to_request', { request_id: requestId, response: 'no' })).toMatch(
        /already answered/,
      );
    });
  });

  describe('get_request_status and timeouts', () => {
    it('tells the sender whether the addressee has seen the request', async () => {
      const requestId = await ask('have you seen this?');
      const carol = await Agent.connect(t.coordinator.url, 'carol');
      try {
        expect(await carol.fails('get_request_status', { request_id: requestId })).toMatch(/neither from nor to you/);
      } finally {
        await carol.close();
      }
      await t.bob.ok('get_pending_requests');
      const timedOut = await t.alice.ok('wait_for_response', { request_id: requestId, timeout: 0 });
      expect(timedOut).toMatchObject({
        status: 'timeout',
        state: 'delivered',
        delivery_count: 1,
        message: expect.stringMatching(/^'bob' read it \d+ s ago/),
      });
      expect(Date.parse(timedOut.lease_expires_at)).toBeGreaterThan(Date.parse(timedOut.delivered_at));
      expect(await t.alice.ok('get_request_status', { request_id: requestId })).toMatchObject({
        request_id: requestId,
        from_agent: 'alice',
        to_agent: 'bob',
        state: 'delivered',
      });
      await t.bob.ok('respond_to_request', { request_id: requestId, response: 'seen' });
      expect(await t.bob.ok('get_request_status', { request_id: requestId })).toMatchObject({ state: 'answered' });
    });
  });

  describe('get_pending_requests', () => {
    it('pages oldest first with a cursor and the total, handing out only the page', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await ask(`page item ${i}`));
      }
      const first = await t.bob.ok('get_pending_requests', { limit: 2 });
      expect(first.total).toBe(5);
      expect(first.requests.map((r: { request_id: string }) => r.request_id)).toEqual(ids.slice(0, 2));
      const second = await t.bob.ok('get_pending_requests', { limit: 2, cursor: first.next_cursor });
      expect(second.requests.map((r: { request_id: string }) => r.request_id)).toEqual(ids.slice(2, 4));
      const third = await t.bob.ok('get_pending_requests', { limit: 2, cursor: second.next_cursor });
      expect(third.requests.map((r: { request_id: string }) => r.request_id)).toEqual(ids.slice(4));
      expect(third.next_cursor).toBeNull();
      expect(await t.bob.fails('get_pending_requests', { limit: 101 })).toMatch(/limit/);
      expect(await t.bob.fails('get_pending_requests', { cursor: 'abc' })).toMatch(/cursor/);
      await Promise.all(ids.map((id) => t.bob.ok('respond_to_request', { request_id: id, response: 'paged' })));
    });
  });
});

describe('previews and expiry', () => {
  const t = aliceAndBob({ C3PO_PREVIEW_BYTES: '100', C3PO_REQUEST_TTL_S: '2' });

  it('cuts long texts at a character boundary, says so with their sizes, and get_request has them whole', async () => {
    // 99 ASCII bytes then a 3-byte character straddling the 100-byte cut.
    const message = `${'a'.repeat(99)}€ and more`;
    const { request_id } = await t.alice.ok('send_request', { target: 'bob', message, context: 'short' });
    const [preview] = (await t.bob.ok('get_pending_requests')).requests;
    expect(preview).toMatchObject({
      message: 'a'.repeat(99),
      message_bytes: Buffer.byteLength(message),
      context: 'short',
      context_bytes: 5,
      truncated: true,
    });
    expect((await t.bob.ok('get_request', { request_id })).request.message).toBe(message);
    await t.bob.ok('respond_to_request', { request_id, response: 'read it all' });

    const { request_id: short } = await t.alice.ok('send_request', { target: 'bob', message: 'brief' });
    const [whole] = (await t.bob.ok('get_pending_requests')).requests;
    expect(whole).toMatchObject({ request_id: short, message: 'brief', message_bytes: 5 });
    expect(whole.truncated).toBeUndefined();
    await t.bob.ok('respond_to_request', { request_id: short, response: 'ok' });
  });

  it('expires an unanswered request after C3PO_REQUEST_TTL_S, visibly', async () => {
    const { request_id } = await t.alice.ok('send_request', { target: 'bob', message: 'too slow' });
    await eventually(
      async () => (await t.alice.ok('get_request_status', { request_id })).state === 'expired',
      'the request to expire',
    );
    expect(await t.alice.ok('wait_for_response', { request_id })).toMatchObject({ status: 'expired', request_id });
    expect(await t.bob.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
    expect((await t.bob.ok('get_pending_requests')).total).toBe(0);
    expect(await t.bob.fails('respond_to_request', { request_id, response: 'late' })).toMatch(/expired unanswered/);
    expect(await t.alice.fails('cancel_request', { request_id })).toMatch(/expired unanswered/);
  });
});
