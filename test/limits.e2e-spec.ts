import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

/** An agent connected to `coordinator` and registered, so that others can send to it. */
async function registered(coordinator: Coordinator, id: string, kind = clientKinds[1]): Promise<Agent> {
  const agent = await Agent.connect(coordinator.url, id, kind);
  await agent.ok('register_agent');
  return agent;
}

/** The byte count Redis keeps for an inbox: each open request's bytes and their `total`. */
function inboxBytes(coordinator: Coordinator, agentId: string): Promise<Record<string, string>> {
  const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
  return redis.hgetall(coordinator.app.get(RedisKeys).inboxBytes(agentId));
}

describe.each(clientKinds)('inbox limits with %s', (kind) => {
  let coordinator: Coordinator;
  let sender: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_INBOX_MAX_REQUESTS: '3', C3PO_INBOX_MAX_BYTES: '2048' });
    sender = await registered(coordinator, 'sender', kind);
  });

  afterAll(async () => {
    await sender.close();
    await coordinator.close();
  });

  it('refuses a send to an inbox holding C3PO_INBOX_MAX_REQUESTS unanswered requests, until one is answered', async () => {
    const target = await registered(coordinator, 'busy', kind);
    try {
      const sent = [];
      for (const n of [1, 2, 3]) {
        sent.push(await sender.ok('send_request', { target: 'busy', message: `job ${n}` }));
      }
      expect(await sender.fails('send_request', { target: 'busy', message: 'job 4' })).toBe(
        "the inbox of 'busy' is full (3 unanswered requests): try later or ask the user",
      );
      // A retry of a request already in the inbox takes no room: it is the same request.
      expect(await sender.ok('send_request', { target: 'busy', message: 'job 1' })).toMatchObject({
        request_id: sent[0].request_id,
        duplicate: true,
      });

      await target.ok('respond_to_request', { request_id: sent[0].request_id, response: 'done' });
      const fourth = await sender.ok('send_request', { target: 'busy', message: 'job 4' });
      expect((await target.ok('get_pending_requests')).requests.map((r: { message: string }) => r.message)).toEqual([
        'job 2',
        'job 3',
        'job 4',
      ]);
      for (const { request_id } of [...sent.slice(1), fourth]) {
        await target.ok('respond_to_request', { request_id, response: 'done' });
      }
      expect(await inboxBytes(coordinator, 'busy')).toEqual({});
    } finally {
      await target.close();
    }
  });

  it('refuses a send that would take an inbox past C3PO_INBOX_MAX_BYTES, until one is cancelled', async () => {
    const target = await registered(coordinator, 'crammed', kind);
    try {
      const big = await sender.ok('send_request', {
        target: 'crammed',
        message: 'm'.repeat(1000),
        context: 'é'.repeat(250),
      });
      expect(await inboxBytes(coordinator, 'crammed')).toEqual({ [big.request_id]: '1500', total: '1500' });
      expect(await sender.fails('send_request', { target: 'crammed', message: 'n'.repeat(600) })).toBe(
        "the inbox of 'crammed' is full (1,500 bytes of unanswered requests; this one's 600 bytes would pass " +
          'C3PO_INBOX_MAX_BYTES, 2,048): try later or ask the user',
      );
      const small = await sender.ok('send_request', { target: 'crammed', message: 'n'.repeat(500) });
      expect((await inboxBytes(coordinator, 'crammed')).total).toBe('2000');

      await sender.ok('cancel_request', { request_id: big.request_id });
      const fits = await sender.ok('send_request', { target: 'crammed', message: 'n'.repeat(600) });
      expect(await inboxBytes(coordinator, 'crammed')).toEqual({
        [small.request_id]: '500',
        [fits.request_id]: '600',
        total: '1100',
      });
      await sender.ok('cancel_request', { request_id: small.request_id });
      await sender.ok('cancel_request', { request_id: fits.request_id });
      expect(await inboxBytes(coordinator, 'crammed')).toEqual({});
    } finally {
      await target.close();
    }
  });

  it('records each refusal in the audit log', async () => {
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    await eventually(async () => {
      const entries = await redis.xrange(keys.audit, '-', '+');
      const refusals = entries.map(([, fields]) => fields.join(' ')).filter((e) => e.includes('refused.limit'));
      return refusals.some((e) => e.includes('inbox full')) && refusals.some((e) => e.includes('inbox bytes full'));
    }, 'both refusals in the audit stream');
  });
});

/** Leases of a second taken back within 50 ms, and a request handed out once is a dead letter. */
describe('the inbox byte count', () => {
  let coordinator: Coordinator;
  let sender: Agent;
  let target: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({
      C3PO_DELIVERY_LEASE_S: '1',
      C3PO_LEASE_SWEEP_MS: '50',
      C3PO_MAX_DELIVERIES: '1',
      C3PO_INBOX_MAX_REQUESTS: '2',
    });
    sender = await registered(coordinator, 'sender');
    target = await registered(coordinator, 'target');
  });

  afterAll(async () => {
    await sender.close();
    await target.close();
    await coordinator.close();
  });

  /** Makes a request expired now, as its TTL would, leaving its hash and inbox entries in place. */
  const expire = (requestId: string) =>
    coordinator.app
      .get<Redis>(REDIS_CLIENT)
      .hset(coordinator.app.get(RedisKeys).request(requestId), 'expires_at', Date.now() - 1);

  const send = async (message: string) =>
    (await sender.ok('send_request', { target: 'target', message, context: 'ctx' })).request_id as string;

  it('returns to zero when requests are answered or cancelled', async () => {
    const answered = await send('answer me');
    const cancelled = await send('never mind');
    expect(await inboxBytes(coordinator, 'target')).toEqual({ [answered]: '12', [cancelled]: '13', total: '25' });
    await target.ok('respond_to_request', { request_id: answered, response: 'ok' });
    expect(await inboxBytes(coordinator, 'target')).toEqual({ [cancelled]: '13', total: '13' });
    await sender.ok('cancel_request', { request_id: cancelled });
    expect(await inboxBytes(coordinator, 'target')).toEqual({});
  });

  it('returns to zero when expired requests are pruned, by a page, a claim or a send into a full inbox', async () => {
    await expire(await send('expires in a page'));
    expect((await inboxBytes(coordinator, 'target')).total).toBe('20');
    expect((await target.ok('get_pending_requests')).total).toBe(0);
    expect(await inboxBytes(coordinator, 'target')).toEqual({});

    await expire(await send('expires in a claim'));
    expect(await target.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
    expect(await inboxBytes(coordinator, 'target')).toEqual({});

    // The inbox holds C3PO_INBOX_MAX_REQUESTS (2) expired requests: a send makes the oldest leave, as
    // many as it needs room for.
    await expire(await send('expired one'));
    const expiredTwo = await send('expired two');
    await expire(expiredTwo);
    const fresh = await send('fresh');
    expect(await inboxBytes(coordinator, 'target')).toEqual({ [expiredTwo]: '14', [fresh]: '8', total: '22' });
    await target.ok('respond_to_request', { request_id: fresh, response: 'ok' });
    expect(await target.ok('get_pending_requests')).toMatchObject({ total: 0 });
    expect(await inboxBytes(coordinator, 'target')).toEqual({});
  });

  it('returns to zero when a request becomes a dead letter, and counts it again when requeued', async () => {
    const requestId = await send('hand me out once');
    expect((await target.ok('get_pending_requests')).requests).toHaveLength(1);
    await eventually(
      async () => (await sender.ok('get_request_status', { request_id: requestId })).state === 'undeliverable',
      'the lease to run out',
    );
    expect(await inboxBytes(coordinator, 'target')).toEqual({});

    await request(coordinator.url).post(`/api/dead-letters/${requestId}/requeue`).expect(200);
    expect(await inboxBytes(coordinator, 'target')).toEqual({ [requestId]: '19', total: '19' });
    await target.ok('respond_to_request', { request_id: requestId, response: 'second chance' });
    expect(await inboxBytes(coordinator, 'target')).toEqual({});
  });
});
