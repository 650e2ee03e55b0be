import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

/** An agent connected to `coordinator` and registered, so that others can send to it. */
async function registered(coordinator: Coordinator, id: string, kind = clientKinds[1]): Promise<Agent> {
  const agent = await Agent.connect(coordinator.url, id, kind);
  await agent.ok('register_agent');
  return agent;
}

/** The outcomes of the refused.limit entries in the audit log. */
async function limitRefusals(coordinator: Coordinator): Promise<string[]> {
  const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
  const entries = await redis.xrange(coordinator.app.get(RedisKeys).audit, '-', '+');
  return entries
    .map(([, flat]) => Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]]))))
    .filter((entry) => entry.action === 'refused.limit')
    .map((entry) => `${entry.outcome} by ${entry.agent}: ${entry.detail}`);
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
    await eventually(async () => {
      const refusals = await limitRefusals(coordinator);
      return (
        refusals.includes('inbox full by sender: target=busy') &&
        refusals.includes('inbox bytes full by sender: target=crammed')
      );
    }, 'both refusals in the audit log');
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

describe('sends per minute, across two coordinator processes sharing a prefix', () => {
  const PER_MINUTE = { C3PO_SENDS_PER_MINUTE: '3' };
  /** With 3 a minute, a token comes back every 20 s. */
  const retry = /retry in (19|20) s$/;
  let first: Coordinator;
  /** A separate coordinator process: the bucket must hold through Redis alone. */
  let second: CoordinatorProcess;
  let sink: Agent;

  beforeAll(async () => {
    first = await startCoordinator(PER_MINUTE);
    second = await CoordinatorProcess.start({ ...PER_MINUTE, C3PO_KEY_PREFIX: first.prefix });
    sink = await registered(first, 'sink');
  });

  afterAll(async () => {
    await sink.close();
    await first.close();
    await second.terminate();
  });

  /** The sender's token bucket as Redis holds it. */
  const bucket = (agentId: string) =>
    first.app.get<Redis>(REDIS_CLIENT).hgetall(first.app.get(RedisKeys).sendBucket(agentId));

  it.each(clientKinds)(
    'refuses the fourth send in a minute with a tool error saying when to retry (%s)',
    async (kind) => {
      const id = kind.startsWith('sdk') ? 'legacy-sender' : 'modern-sender';
      const viaFirst = await registered(first, id, kind);
      const viaSecond = await Agent.connect(second.url, id, kind);
      try {
        const one = await viaFirst.ok('send_request', { target: 'sink', message: 'one' });
        await viaSecond.ok('send_request', { target: 'sink', message: 'two' });
        await viaFirst.ok('send_request', { target: 'sink', message: 'three' });

        const spent = await bucket(id);
        const error = await viaSecond.fails('send_request', { target: 'sink', message: 'four' });
        expect(error).toMatch(new RegExp(`^'${id}' may send 3 requests a minute \\(C3PO_SENDS_PER_MINUTE\\): `));
        expect(error).toMatch(retry);
        // A refused send spends nothing, and a retry of a stored request costs no token.
        expect(await viaFirst.ok('send_request', { target: 'sink', message: 'one' })).toMatchObject({
          request_id: one.request_id,
          duplicate: true,
        });
        expect(await bucket(id)).toEqual(spent);

        // Tokens come back at 3 a minute: 20 s later, one more send.
        const redis = first.app.get<Redis>(REDIS_CLIENT);
        await redis.hset(first.app.get(RedisKeys).sendBucket(id), 'at', Number(spent.at) - 20_000);
        await viaSecond.ok('send_request', { target: 'sink', message: 'four' });
        expect(await viaFirst.fails('send_request', { target: 'sink', message: 'five' })).toMatch(retry);
      } finally {
        await viaFirst.close();
        await viaSecond.close();
      }
    },
  );

  it('answers POST /api/requests like send_request, and with 429 and Retry-After once the sends are spent', async () => {
    const api = request(second.url);
    await api.post('/api/agents/register').set('X-Agent-ID', 'script').expect(200);
    for (const n of [1, 2, 3]) {
      const response = await api
        .post('/api/requests')
        .set('X-Agent-ID', 'script')
        .send({ target: 'sink', message: `from a script ${n}`, context: 'cron' })
        .expect(201);
      expect(response.body).toEqual({
        request_id: expect.stringMatching(/^req-/),
        conversation_id: expect.stringMatching(/^conv-/),
        status: 'queued',
        target_online: true,
      });
    }
    const refused = await api
      .post('/api/requests')
      .set('X-Agent-ID', 'script')
      .send({ target: 'sink', message: 'one too many' })
      .expect(429);
    expect(refused.headers['retry-after']).toMatch(/^(19|20)$/);
    expect(refused.body).toEqual({
      statusCode: 429,
      message: `'script' may send 3 requests a minute (C3PO_SENDS_PER_MINUTE): retry in ${refused.headers['retry-after']} s`,
    });
    await eventually(
      async () => (await limitRefusals(first)).includes('send rate by script: target=sink'),
      'the refusal in the audit log',
    );
    const { requests } = await sink.ok('get_pending_requests', { limit: 100 });
    expect(requests.filter((r: { from_agent: string }) => r.from_agent === 'script')).toHaveLength(3);
  });

  it.each([
    [{ message: 'no target' }, 400, /target must be a string/],
    [{ target: 'sink' }, 400, /message must be a string/],
    [{ target: 'sink', message: 'hi', conversation_id: 'not an id' }, 400, /conversation_id must be an id/],
    [{ target: 'sink', message: 'hi', idempotency_key: '' }, 400, /idempotency_key must be longer than or equal to 1/],
    [{ target: 'sink', message: 'hi', colour: 'blue' }, 400, /property colour should not exist/],
    [{ target: 'sink', message: '   ' }, 400, /message is empty/],
    [{ target: 'snik', message: 'hi' }, 404, /^agent 'snik' is not registered: did you mean 'sink'\?/],
  ])('answers POST /api/requests %j with %i, as send_request would', async (body, status, message) => {
    const response = await request(first.url).post('/api/requests').set('X-Agent-ID', 'validator').send(body);
    expect(response.status).toBe(status);
    expect(response.body.message).toMatch(message);
  });
});

describe('blocked waits per agent, across two coordinators sharing a prefix', () => {
  const LIMIT = { C3PO_MAX_WAITS_PER_AGENT: '2' };
  let first: Coordinator;
  let second: Coordinator;
  let peer: Agent;

  beforeAll(async () => {
    first = await startCoordinator(LIMIT);
    second = await startCoordinator({ ...LIMIT, C3PO_KEY_PREFIX: first.prefix });
    peer = await registered(first, 'peer');
  });

  afterAll(async () => {
    await peer.close();
    await first.close();
    await second.close();
  });

  const refusal = (id: string) =>
    `'${id}' already has 2 blocked waits (C3PO_MAX_WAITS_PER_AGENT): let one finish or cancel it`;

  it.each(clientKinds)(
    'refuses a third blocked wait of one agent, wherever it is made, until one ends (%s)',
    async (kind) => {
      const id = kind.startsWith('sdk') ? 'legacy-waiter' : 'modern-waiter';
      const here = await registered(first, id, kind);
      const there = await Agent.connect(second.url, id, kind);
      const cancel = new AbortController();
      try {
        const waitingHere = here.call('wait_for_request', { timeout: 30 }, { signal: cancel.signal });
        const { request_id } = await there.ok('send_request', { target: 'peer', message: 'answer me later' });
        const waitingThere = there.ok('wait_for_response', { request_id, timeout: 30 });
        await eventually(() => first.blockedWaiters() === 1 && second.blockedWaiters() === 1, 'both waits to block');

        expect(await here.fails('wait_for_response', { request_id, timeout: 5 })).toBe(refusal(id));
        expect(await there.fails('wait_for_request', { timeout: 5 })).toBe(refusal(id));
        // A wait that only looks never blocks, and takes no place.
        expect(await there.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });

        // A wait that ends gives its place back, to a wait in either process.
        const handed = await peer.ok('send_request', { target: id, message: 'for the first wait' });
        expect(await waitingHere).toMatchObject({ isError: false, data: { status: 'received' } });
        const third = there.ok('wait_for_request', { timeout: 30 });
        await eventually(() => second.blockedWaiters() === 2, 'the third wait to block');
        await peer.ok('respond_to_request', { request_id, response: 'later it is' });
        expect(await waitingThere).toMatchObject({ status: 'answered', response: 'later it is' });
        await peer.ok('send_request', { target: id, message: 'for the third wait' });
        expect(await third).toMatchObject({ status: 'received' });
        for (const requestId of [handed.request_id, (await third).request.request_id]) {
          await here.ok('respond_to_request', { request_id: requestId, response: 'ok' });
        }
        expect(await here.ok('wait_for_request', { timeout: 1 })).toMatchObject({ status: 'timeout' });
      } finally {
        await here.close();
        await there.close();
      }
    },
  );

  it('gives back the places of a process that died once its waits would have ended', async () => {
    const redis = first.app.get<Redis>(REDIS_CLIENT);
    const waits = first.app.get(RedisKeys).waits('orphaned');
    // Two waits of a coordinator that crashed, ending at the latest half a second from now.
    await redis.zadd(waits, Date.now() + 500, 'crashed-1', Date.now() + 500, 'crashed-2');
    const agent = await registered(second, 'orphaned');
    try {
      expect(await agent.fails('wait_for_request', { timeout: 1 })).toBe(refusal('orphaned'));
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await agent.ok('wait_for_request', { timeout: 1 })).toMatchObject({ status: 'timeout' });
      expect(await redis.zcard(waits)).toBe(0);
    } finally {
      await agent.close();
    }
  });

  it('records each refusal in the audit log', async () => {
    await eventually(
      async () => (await limitRefusals(first)).includes('wait cap by orphaned: tool=wait_for_request'),
      'the refusal in the audit log',
    );
  });
});
