import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { RequestsService } from '../src/requests/requests.service.js';
import { RequestsStore } from '../src/requests/requests.store.js';
import { requestTopic } from '../src/redis/topics.js';
import { WakeupService } from '../src/requests/wakeup.service.js';
import { Agent } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

describe('request delivery', () => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    alice = await Agent.registered(coordinator.url, 'alice');
    bob = await Agent.registered(coordinator.url, 'bob');
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await coordinator.close();
  });

  it('wakes a blocked wait_for_request when a request is sent', async () => {
    const waiting = bob.ok('wait_for_request', { timeout: 30 });
    await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
    const sent = await alice.ok('send_request', { target: 'bob', message: 'wake up' });
    const received = await waiting;
    expect(received.request.request_id).toBe(sent.request_id);
    await bob.ok('respond_to_request', { request_id: sent.request_id, response: 'awake' });
  });

  it('wakes a blocked wait_for_response when the answer arrives', async () => {
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'answer me' });
    const waiting = alice.ok('wait_for_response', { request_id, timeout: 30 });
    await eventually(() => coordinator.blockedWaiters() === 1, 'alice to block');
    await bob.ok('respond_to_request', { request_id, response: 'here' });
    expect(await waiting).toMatchObject({ status: 'answered', response: 'here' });
  });

  it('holds requests for an offline agent and delivers them when it comes back', async () => {
    const dave = await Agent.registered(coordinator.url, 'dave');
    await dave.close();
    await request(coordinator.url).post('/api/agents/leave').set('X-Agent-ID', 'dave').send({}).expect(200);

    const sent = await alice.ok('send_request', { target: 'dave', message: 'for when you are back' });
    expect(sent.target_online).toBe(false);

    const back = await Agent.connect(coordinator.url, 'dave');
    try {
      const received = await back.ok('wait_for_request', { timeout: 5 });
      expect(received.request).toMatchObject({ request_id: sent.request_id, message: 'for when you are back' });
      await back.ok('respond_to_request', { request_id: sent.request_id, response: 'back now' });
      expect((await alice.ok('wait_for_response', { request_id: sent.request_id })).response).toBe('back now');
    } finally {
      await back.close();
    }
  });

  it('keeps a multi-turn conversation in order', async () => {
    let conversationId: string | undefined;
    for (const turn of [1, 2, 3]) {
      const sent = await alice.ok('send_request', {
        target: 'bob',
        message: `question ${turn}`,
        ...(conversationId && { conversation_id: conversationId }),
      });
      conversationId ??= sent.conversation_id;
      expect(sent.conversation_id).toBe(conversationId);
      const { request } = await bob.ok('wait_for_request', { timeout: 5 });
      expect(request).toMatchObject({ conversation_id: conversationId, message: `question ${turn}` });
      await bob.ok('respond_to_request', { request_id: request.request_id, response: `answer ${turn}` });
      expect((await alice.ok('wait_for_response', { request_id: sent.request_id })).response).toBe(`answer ${turn}`);
    }
    // bob, a participant, can reply into the same conversation.
    const reply = await bob.ok('send_request', {
      target: 'alice',
      message: 'a question back',
      conversation_id: conversationId,
    });
    expect(reply.conversation_id).toBe(conversationId);

    const conversation = await alice.ok('get_conversation', { conversation_id: conversationId });
    expect(conversation.participants).toEqual(['alice', 'bob']);
    expect(
      conversation.turns.map((turn: { request: { message: string }; response?: { response: string } }) => [
        turn.request.message,
        turn.response?.response,
      ]),
    ).toEqual([
      ['question 1', 'answer 1'],
      ['question 2', 'answer 2'],
      ['question 3', 'answer 3'],
      ['a question back', undefined],
    ]);
    await alice.ok('respond_to_request', { request_id: reply.request_id, response: 'fine' });
  });

  it('lets exactly one of 20 simultaneous answers win', async () => {
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'race me' });
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) => bob.call('respond_to_request', { request_id, response: `answer ${i}` })),
    );
    const winners = outcomes.filter((outcome) => !outcome.isError);
    expect(winners).toHaveLength(1);
    expect(outcomes.filter((outcome) => /already answered/.test(outcome.text))).toHaveLength(19);
    const stored = await alice.ok('wait_for_response', { request_id });
    expect(outcomes.map((o) => o.text)).not.toContain(undefined);
    expect(stored.response).toMatch(/^answer \d+$/);
  });

  it('never hands one request to two concurrent waits of the same agent', async () => {
    const waits = Array.from({ length: 10 }, () => bob.ok('wait_for_request', { timeout: 5 }));
    await eventually(() => coordinator.blockedWaiters() === 10, 'ten waits to block');
    const sent = await Promise.all(
      Array.from({ length: 4 }, (_, i) => alice.ok('send_request', { target: 'bob', message: `job ${i}` })),
    );
    const results = await Promise.all(waits);
    const received = results.filter((r) => r.status === 'received').map((r) => r.request.request_id as string);
    expect(received.sort()).toEqual(sent.map((s) => s.request_id as string).sort());
    expect(results.filter((r) => r.status === 'timeout')).toHaveLength(6);
    await Promise.all(received.map((id) => bob.ok('respond_to_request', { request_id: id, response: 'ok' })));
  });

  describe('hand-off to a wait blocked in the same process', () => {
    it('delivers without a wake-up message through Redis', async () => {
      const keys = coordinator.app.get(RedisKeys);
      const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
      const listener = redis.duplicate();
      const messages: string[] = [];
      try {
        await listener.subscribe(keys.events);
        listener.on('message', (_channel: string, topic: string) => messages.push(topic));
        const waiting = bob.ok('wait_for_request', { timeout: 30 });
        await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
        const sent = await alice.ok('send_request', { target: 'bob', message: 'straight to you' });
        expect((await waiting).request).toMatchObject({ request_id: sent.request_id, state: 'delivered' });
        // A send to an agent with no wait in this process does publish: the listener works.
        await alice.ok('send_request', { target: 'bob', message: 'queued' });
        // Published after both sends, so once it arrives every message they caused has too.
        await redis.publish(keys.events, 'end of test');
        await eventually(() => messages.includes('end of test'), 'the closing message');
        expect(messages).toEqual(['q:bob', 'end of test']);
        expect((await bob.ok('get_pending_requests')).requests.map((r: { message: string }) => r.message)).toEqual([
          'straight to you',
          'queued',
        ]);
      } finally {
        await listener.quit();
        const pending = (await bob.ok('get_pending_requests')).requests as { request_id: string }[];
        await Promise.all(
          pending.map((r) => bob.ok('respond_to_request', { request_id: r.request_id, response: 'ok' })),
        );
      }
    });

    it("gives the sender's blocked wait the answer without reading it back", async () => {
      const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'quick one' });
      const requestKey = coordinator.app.get(RedisKeys).request(request_id);
      const endKey = `${requestKey}:end-of-test`;
      const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
      // monitor() opens a connection of its own, which sees every command the coordinator sends.
      const monitor = await redis.monitor();
      const reads: string[] = [];
      let ended = false;
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args[0].toLowerCase() === 'hgetall' && args[1] === requestKey) {
          reads.push(args[0]);
        }
        ended ||= args[1] === endKey;
      });
      try {
        const waiting = alice.ok('wait_for_response', { request_id, timeout: 30 });
        await eventually(() => coordinator.blockedWaiters() === 1, 'alice to block');
        await bob.ok('respond_to_request', { request_id, response: 'quick answer' });
        expect(await waiting).toMatchObject({ status: 'answered', response: 'quick answer', from_agent: 'bob' });
        // Sent after the wait returned, so once MONITOR shows it, it has shown every read before.
        await redis.exists(endKey);
        await eventually(() => ended, 'the closing command to be seen');
        // The one read is the wait's first look (the sender check); none follows the answer.
        expect(reads).toHaveLength(1);
      } finally {
        monitor.disconnect();
      }
    });

    it('queues the request again when the wait ends while the send is under way', async () => {
      const requests = coordinator.app.get(RequestsService);
      const wakeups = coordinator.app.get(WakeupService);
      const cancel = new AbortController();
      const waiting = requests.waitForRequest('bob', 30, { signal: cancel.signal });
      await eventually(() => wakeups.isWaiting(requestTopic('bob')), 'bob to sleep');
      // send() sees the sleeping wait and asks its script to deliver at once; the wait is
      // cancelled before the script's answer comes back, so nobody takes the request.
      const sending = requests.send('alice', { target: 'bob', message: 'do not lose me' });
      cancel.abort();
      expect((await waiting).status).not.toBe('received');
      const { request_id } = await sending;
      const next = await bob.ok('wait_for_request', { timeout: 5 });
      // The undone hand-off does not count as a delivery.
      expect(next.request).toMatchObject({
        request_id,
        message: 'do not lose me',
        state: 'delivered',
        delivery_count: 1,
      });
      await bob.ok('respond_to_request', { request_id, response: 'got it' });
    });

    it('never hands a request past an older one still queued', async () => {
      const store = coordinator.app.get(RequestsStore);
      const request = (requestId: string, deliverNow: boolean) => ({
        requestId,
        conversationId: `conv-${requestId}`,
        startsConversation: true,
        from: 'alice',
        to: 'bob',
        message: requestId,
        context: '',
        deliverNow,
      });
      const older = await store.send(request('req-older', false));
      const newer = await store.send(request('req-newer', true));
      expect(older).toMatchObject({ ok: true, delivered: undefined });
      expect(newer).toMatchObject({ ok: true, delivered: undefined });
      expect((await store.claimQueued('bob')).claimed?.request_id).toBe('req-older');
      expect((await store.claimQueued('bob')).claimed?.request_id).toBe('req-newer');
      await bob.ok('respond_to_request', { request_id: 'req-older', response: 'ok' });
      await bob.ok('respond_to_request', { request_id: 'req-newer', response: 'ok' });
    });
  });

  it('sends progress notifications while blocked', async () => {
    const ticking = await startCoordinator({ C3PO_WAIT_RECHECK_MS: '5000' });
    const idler = await Agent.connect(ticking.url, 'idler');
    try {
      const progress: number[] = [];
      const result = await idler.ok(
        'wait_for_request',
        { timeout: 11 },
        { onProgress: (p) => progress.push(p.progress) },
      );
      // Heartbeats fall at 5 s and 10 s of an 11 s wait; at least one must reach the client.
      expect(result.status).toBe('timeout');
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.length).toBeLessThanOrEqual(2);
      expect(progress.every((seconds) => seconds >= 5 && seconds < 11)).toBe(true);
    } finally {
      await idler.close();
      await ticking.close();
    }
  });

  it('stops a blocked wait as soon as the client cancels it', async () => {
    const cancel = new AbortController();
    const waiting = bob.call('wait_for_request', { timeout: 600 }, { signal: cancel.signal });
    await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
    cancel.abort();
    await expect(waiting).rejects.toThrow();
    await eventually(() => coordinator.blockedWaiters() === 0, 'the wait to end on the coordinator');
    // Nothing was consumed by the cancelled wait.
    const sent = await alice.ok('send_request', { target: 'bob', message: 'after cancel' });
    expect((await bob.ok('wait_for_request', { timeout: 5 })).request.request_id).toBe(sent.request_id);
    await bob.ok('respond_to_request', { request_id: sent.request_id, response: 'ok' });
  });

  it('counts an agent blocked in a wait as online after its last call has left the window', async () => {
    // A 10 s window: the waiter's only call is 11.5 s old when checked, so only the wait's
    // heartbeats (at 5 s and 10 s) can keep it online.
    const short = await startCoordinator({ C3PO_ONLINE_WINDOW_S: '10', C3PO_WAIT_RECHECK_MS: '5000' });
    const sleeper = await Agent.registered(short.url, 'sleeper');
    const observer = await Agent.connect(short.url, 'observer');
    try {
      const waiting = sleeper.ok('wait_for_request', { timeout: 13 });
      await eventually(() => short.blockedWaiters() === 1, 'sleeper to block');
      await new Promise((resolve) => setTimeout(resolve, 11_500));
      const { agents } = await observer.ok('list_agents');
      expect(agents.find((a: { agent_id: string }) => a.agent_id === 'sleeper').status).toBe('online');
      expect(await waiting).toMatchObject({ status: 'timeout' });
    } finally {
      await sleeper.close();
      await observer.close();
      await short.close();
    }
  });
});

describe('several coordinator processes on one Redis', () => {
  it('wakes a waiter held by one instance when the send goes through another', async () => {
    const first = await startCoordinator();
    const second = await startCoordinator({ C3PO_KEY_PREFIX: first.prefix });
    const waiter = await Agent.registered(first.url, 'worker');
    const sender = await Agent.connect(second.url, 'boss');
    try {
      const waiting = waiter.ok('wait_for_request', { timeout: 30 });
      await eventually(() => first.blockedWaiters() === 1, 'worker to block on the first instance');
      const sent = await sender.ok('send_request', { target: 'worker', message: 'from the other side' });
      expect((await waiting).request.request_id).toBe(sent.request_id);

      const answering = sender.ok('wait_for_response', { request_id: sent.request_id, timeout: 30 });
      await eventually(() => second.blockedWaiters() === 1, 'boss to block on the second instance');
      await waiter.ok('respond_to_request', { request_id: sent.request_id, response: 'done' });
      expect((await answering).response).toBe('done');
    } finally {
      await waiter.close();
      await sender.close();
      await first.close();
      await second.close();
    }
  });
});
