import type { Redis } from 'ioredis';
import request from 'supertest';
import { MessagesService } from '../src/messages/messages.service.js';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { WakeupService } from '../src/requests/wakeup.service.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';
import { Agent, ClientKind, clientKinds } from './support/mcp-clients.js';

const DAY_MS = 24 * 3600 * 1000;

/** A publish's arguments: a GENERAL message unless the test says otherwise. */
const message = (extra: Record<string, unknown>) => ({ type: 'GENERAL', subject: 'hello', body: 'body', ...extra });

/** Resolves when the coordinator's wake-up topic is rung (a publish rings `m:<agent>` per recipient). */
function rung(coordinator: Coordinator, topic: string): Promise<void> {
  return new Promise((resolve) => {
    const stop = coordinator.app.get(WakeupService).watch(topic, () => {
      stop();
      resolve();
    });
  });
}

/** Waits until the clock is past `iso` (a message's expires_at): expiry is what such a test is about. */
async function pastTime(iso: string): Promise<void> {
  await eventually(() => Date.now() > Date.parse(iso) + 5, `the clock past ${iso}`, 10_000);
}

async function metric(url: string, name: string): Promise<number> {
  const { text } = await request(url).get('/metrics').expect(200);
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

/** Every entry of an agent's timeline, page after page. */
async function wholeTimeline(agent: Agent, args: Record<string, unknown> = {}): Promise<Record<string, any>[]> {
  const entries: Record<string, any>[] = [];
  let cursor: string | undefined;
  do {
    const page = await agent.ok('get_timeline', { ...args, limit: 100, ...(cursor && { cursor }) });
    entries.push(...page.messages);
    cursor = page.next_cursor ?? undefined;
  } while (cursor);
  return entries;
}

describe.each(clientKinds)('messages through MCP with %s', (kind: ClientKind) => {
  let coordinator: Coordinator;
  const opened: Agent[] = [];

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '2048', C3PO_SENDS_PER_MINUTE: '10000' });
  });

  afterAll(async () => {
    await Promise.all(opened.map((agent) => agent.close()));
    await coordinator.close();
  });

  /** Registered agents of this test's own: each test reads only the mailboxes it fills. */
  async function agents(...ids: string[]): Promise<Agent[]> {
    const list = await Promise.all(ids.map((id) => Agent.registered(coordinator.url, id, kind)));
    opened.push(...list);
    return list;
  }

  it('delivers a direct message once, whole, and keeps it on the timeline', async () => {
    const [alice, bob] = await agents('d-alice', 'd-bob');
    const sent = await alice.ok(
      'publish',
      message({
        to: 'd-bob',
        type: 'READY_FOR_REVIEW',
        subject: 'PR 12 is ready\nsecond line',
        body: 'Please review src/messages.',
        correlation_id: 'pr-12',
      }),
    );
    expect(sent).toEqual({
      id: expect.stringMatching(/^msg-\d+$/),
      delivered_to: 1,
      skipped_full: 0,
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });
    // C3PO_MESSAGE_TTL_S: a day unless ttl_s says otherwise.
    expect(Date.parse(sent.expires_at) - Date.parse(sent.created_at)).toBe(DAY_MS);

    expect(await bob.ok('check_messages')).toEqual({
      messages: [
        {
          id: sent.id,
          from: 'd-alice',
          to: 'd-bob',
          type: 'READY_FOR_REVIEW',
          subject: 'PR 12 is ready\nsecond line',
          body: 'Please review src/messages.',
          priority: 5,
          created_at: sent.created_at,
          expires_at: sent.expires_at,
          correlation_id: 'pr-12',
          ack_required: false,
        },
      ],
      remaining: 0,
      expired_dropped: 0,
      next_cursor: null,
    });
    expect((await bob.ok('check_messages')).messages).toEqual([]);

    const [onBobs] = (await bob.ok('get_timeline', { from: 'd-alice' })).messages;
    expect(onBobs).toMatchObject({ id: sent.id, body: 'Please review src/messages.', body_bytes: 27 });
    expect(onBobs.acks).toBeUndefined();
    const [onAlices] = (await alice.ok('get_timeline', { from: 'd-alice' })).messages;
    expect(onAlices).toMatchObject({ id: sent.id, delivered_to: 1, acks: 0, acked_by: [] });
  });

  it('keeps a message for an agent that is offline until it comes back', async () => {
    const [alice, erin] = await agents('o-alice', 'o-erin');
    await erin.close();
    await request(coordinator.url).post('/api/agents/leave').set('X-Agent-ID', 'o-erin').send({}).expect(200);
    const listed = await alice.ok('list_agents', { limit: 100 });
    expect(listed.agents.find((a: { agent_id: string }) => a.agent_id === 'o-erin').status).toBe('offline');

    const sent = await alice.ok('publish', message({ to: 'o-erin', subject: 'while you were away' }));
    expect(sent.delivered_to).toBe(1);

    const back = await Agent.connect(coordinator.url, 'o-erin', kind);
    opened.push(back);
    expect((await back.ok('check_messages')).messages.map((m: { id: string }) => m.id)).toEqual([sent.id]);
  });

  it("rings each recipient's wake-up topic, so a wait or a push can react", async () => {
    const [alice] = await agents('w-alice', 'w-bob', 'w-carol');
    const direct = rung(coordinator, 'm:w-bob');
    await alice.ok('publish', message({ to: 'w-bob' }));
    await direct;

    const [bob, carol] = opened.slice(-2);
    await bob.ok('subscribe', { topic: 'w-news' });
    await carol.ok('subscribe', { topic: 'w-news' });
    const both = Promise.all([rung(coordinator, 'm:w-bob'), rung(coordinator, 'm:w-carol')]);
    expect((await alice.ok('publish', message({ topic: 'w-news' }))).delivered_to).toBe(2);
    await both;
  });

  it('orders the mailbox by priority (10 first), then by publication', async () => {
    const [alice, bob] = await agents('p-alice', 'p-bob');
    const ids: Record<string, string> = {};
    for (const [name, priority] of [
      ['normal', undefined],
      ['urgent', 9],
      ['low', 1],
      ['urgent-too', 9],
      ['top', 10],
    ] as const) {
      ids[name] = (await alice.ok('publish', message({ to: 'p-bob', subject: name, priority }))).id;
    }
    const { messages } = await bob.ok('check_messages');
    expect(messages.map((m: { subject: string; priority: number }) => `${m.subject}:${m.priority}`)).toEqual([
      'top:10',
      'urgent:9',
      'urgent-too:9',
      'normal:5',
      'low:1',
    ]);
  });

  it('filters by from, type, topic, since and unacked_only, leaving the rest in the mailbox', async () => {
    const [alice, carol, bob] = await agents('f-alice', 'f-carol', 'f-bob');
    await bob.ok('subscribe', { topic: 'f-news' });
    const general = await alice.ok('publish', message({ to: 'f-bob' }));
    const review = await carol.ok(
      'publish',
      message({ to: 'f-bob', type: 'REVIEW_COMPLETE', subject: 'done', ack_required: true }),
    );
    const news = await alice.ok('publish', message({ topic: 'f-news', type: 'NOTIFICATION' }));
    await eventually(() => Date.now() > Date.parse(news.created_at), 'a later millisecond');
    const late = await alice.ok('publish', message({ to: 'f-bob', type: 'NOTIFICATION', subject: 'late' }));
    const ids = (result: Record<string, any>) => result.messages.map((m: { id: string }) => m.id);

    expect(ids(await bob.ok('check_messages', { from: 'f-carol' }))).toEqual([review.id]);
    expect(ids(await bob.ok('check_messages', { unacked_only: true }))).toEqual([review.id]);
    expect(ids(await bob.ok('check_messages', { since: late.created_at }))).toEqual([late.id]);
    const topical = await bob.ok('check_messages', { topic: 'f-news' });
    expect(topical.messages).toEqual([expect.objectContaining({ id: news.id, topic: 'f-news' })]);
    expect(topical.messages[0].to).toBeUndefined();
    expect(ids(await bob.ok('check_messages', { type: 'NOTIFICATION' }))).toEqual([]);
    const rest = await bob.ok('check_messages', { type: 'GENERAL', from: 'f-alice' });
    expect(ids(rest)).toEqual([general.id]);
    // What is left: the message awaiting bob's ack, shown before.
    expect(await bob.ok('check_messages')).toMatchObject({
      messages: [{ id: review.id, shown: true }],
      remaining: 1,
    });
  });

  it('pages a mailbox with limit and cursor', async () => {
    const [alice, bob] = await agents('g-alice', 'g-bob');
    const sent: string[] = [];
    for (let i = 0; i < 7; i++) {
      sent.push((await alice.ok('publish', message({ to: 'g-bob', subject: `n${i}`, ack_required: true }))).id);
    }
    const first = await bob.ok('check_messages', { limit: 3 });
    expect(first.next_cursor).toMatch(/^\d+$/);
    const second = await bob.ok('check_messages', { limit: 3, cursor: first.next_cursor });
    const third = await bob.ok('check_messages', { limit: 3, cursor: second.next_cursor });
    expect(third.next_cursor).toBeNull();
    const pages = [first, second, third].map((page) => page.messages.map((m: { id: string }) => m.id));
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual(sent);
    // Awaiting acks, they stay: without a cursor the first page comes again, marked shown.
    const again = await bob.ok('check_messages', { limit: 3 });
    expect(again.messages.map((m: { id: string; shown: boolean }) => [m.id, m.shown])).toEqual(
      sent.slice(0, 3).map((id) => [id, true]),
    );
    expect(again.remaining).toBe(7);
  });

  it('keeps a message that needs an ack until acked, once, and brings the comment to its sender', async () => {
    const [alice, bob, carol, dave] = await agents('a-alice', 'a-bob', 'a-carol', 'a-dave');
    await bob.ok('subscribe', { topic: 'a-review' });
    await carol.ok('subscribe', { topic: 'a-review' });
    const sent = await alice.ok(
      'publish',
      message({ topic: 'a-review', type: 'CONTRACT_CHANGE_PROPOSED', subject: 'v2 API', ack_required: true }),
    );
    expect(sent.delivered_to).toBe(2);

    const first = await bob.ok('check_messages');
    expect(first.messages).toEqual([
      expect.objectContaining({ id: sent.id, ack_required: true, acked_at: null, topic: 'a-review' }),
    ]);
    expect(first.messages[0].shown).toBeUndefined();
    expect((await bob.ok('check_messages')).messages).toEqual([expect.objectContaining({ id: sent.id, shown: true })]);

    const ack = await bob.ok('ack_message', { id: sent.id, comment: 'LGTM' });
    expect(ack).toEqual({ id: sent.id, acked_at: expect.any(String), acks: 1, sender_notified: true });
    expect(await bob.ok('ack_message', { id: sent.id, comment: 'changed my mind' })).toEqual({
      id: sent.id,
      acked_at: ack.acked_at,
      acks: 1,
      duplicate: true,
    });
    expect((await bob.ok('check_messages')).messages).toEqual([]);
    expect((await carol.ok('ack_message', { id: sent.id })).acks).toBe(2);

    const acks = (await alice.ok('check_messages')).messages;
    expect(acks).toEqual([
      expect.objectContaining({
        from: 'a-bob',
        to: 'a-alice',
        type: 'ACK',
        subject: 'ACK: v2 API',
        body: 'LGTM',
        correlation_id: sent.id,
        ack_required: false,
      }),
      expect.objectContaining({ from: 'a-carol', type: 'ACK', body: '', correlation_id: sent.id }),
    ]);

    const [mine] = (await alice.ok('get_timeline', { type: 'CONTRACT_CHANGE_PROPOSED' })).messages;
    expect(mine).toMatchObject({
      id: sent.id,
      delivered_to: 2,
      acks: 2,
      acked_by: [
        { agent_id: 'a-bob', acked_at: ack.acked_at, comment: 'LGTM' },
        { agent_id: 'a-carol', acked_at: expect.any(String), comment: null },
      ],
    });
    // A recipient sees when it acked, not who else did; ACK messages stay off the timeline.
    const [bobs] = (await bob.ok('get_timeline', { type: 'CONTRACT_CHANGE_PROPOSED' })).messages;
    expect(bobs).toMatchObject({ id: sent.id, acked_at: ack.acked_at });
    expect(bobs.acks).toBeUndefined();
    expect(bobs.acked_by).toBeUndefined();
    expect((await alice.ok('get_timeline', { type: 'ACK' })).messages).toEqual([]);

    expect(await dave.fails('ack_message', { id: sent.id })).toBe(
      `message '${sent.id}' was not delivered to you ('a-dave'): only its recipients can ack it`,
    );
    expect(await alice.fails('ack_message', { id: sent.id })).toMatch(/was not delivered to you \('a-alice'\)/);
    expect(await alice.fails('ack_message', { id: acks[0].id })).toBe(
      `message '${acks[0].id}' is an ACK: acks need no ack`,
    );
  });

  it('drops expired messages from the mailbox and counts them', async () => {
    const [alice, bob] = await agents('x-alice', 'x-bob');
    const before = await metric(coordinator.url, 'c3po_messages_expired_total');
    const plain = await alice.ok('publish', message({ to: 'x-bob', ttl_s: 1 }));
    const needsAck = await alice.ok('publish', message({ to: 'x-bob', ttl_s: 1, ack_required: true }));
    expect(Date.parse(plain.expires_at) - Date.parse(plain.created_at)).toBe(1000);
    await pastTime(needsAck.expires_at);

    expect(await bob.ok('check_messages')).toEqual({
      messages: [],
      remaining: 0,
      expired_dropped: 2,
      next_cursor: null,
    });
    expect(await metric(coordinator.url, 'c3po_messages_expired_total')).toBe(before + 2);
    expect(await bob.fails('ack_message', { id: needsAck.id })).toBe(
      `message '${needsAck.id}' not found (it may have expired)`,
    );
    expect((await bob.ok('get_timeline', { from: 'x-alice' })).messages).toEqual([]);
  });

  it('subscribes and unsubscribes; a topic reaches its subscribers but not the sender', async () => {
    const [alice, bob, carol] = await agents('s-alice', 's-bob', 's-carol');
    expect(await bob.ok('subscribe', { topic: 's-ci' })).toEqual({
      topic: 's-ci',
      subscribed: true,
      changed: true,
      topics: ['s-ci'],
    });
    expect(await bob.ok('subscribe', { topic: 's-ci' })).toMatchObject({ changed: false, topics: ['s-ci'] });
    await bob.ok('subscribe', { topic: 's-docs' });
    await alice.ok('subscribe', { topic: 's-ci' });

    const build = await alice.ok('publish', message({ topic: 's-ci', subject: 'build green' }));
    expect(build.delivered_to).toBe(1);
    expect((await bob.ok('check_messages')).messages.map((m: { id: string }) => m.id)).toEqual([build.id]);
    expect((await carol.ok('check_messages')).messages).toEqual([]);
    expect((await alice.ok('check_messages')).messages).toEqual([]);

    expect(await bob.ok('unsubscribe', { topic: 's-ci' })).toEqual({
      topic: 's-ci',
      subscribed: false,
      changed: true,
      topics: ['s-docs'],
    });
    expect(await bob.ok('unsubscribe', { topic: 's-ci' })).toMatchObject({ changed: false });
    expect((await alice.ok('publish', message({ topic: 's-ci' }))).delivered_to).toBe(0);
    expect((await bob.ok('check_messages')).messages).toEqual([]);

    // No subscribers is no error: the message is on the timeline all the same.
    const unheard = await alice.ok('publish', message({ topic: 's-nobody', subject: 'anyone?' }));
    expect(unheard).toMatchObject({ delivered_to: 0, skipped_full: 0 });
    expect((await carol.ok('get_timeline', { from: 's-alice' })).messages.map((m: { id: string }) => m.id)).toContain(
      unheard.id,
    );
  });

  it("shows on the timeline broadcasts, topic messages and one's own direct messages, never others'", async () => {
    const [alice, bob, carol, dave] = await agents('t-alice', 't-bob', 't-carol', 't-dave');
    const aliceToBob = await alice.ok('publish', message({ to: 't-bob', subject: 'private a→b' }));
    const bobToAlice = await bob.ok('publish', message({ to: 't-alice', subject: 'private b→a' }));
    const news = await alice.ok('publish', message({ topic: 't-news', type: 'NOTIFICATION', subject: 'news' }));
    const carolToDave = await carol.ok('publish', message({ to: 't-dave', subject: 'private c→d' }));

    const ids = (entries: Record<string, any>[]) => entries.map((m) => m.id as string);
    const carols = await wholeTimeline(carol);
    expect(ids(carols)).toEqual(expect.arrayContaining([news.id, carolToDave.id]));
    expect(ids(carols)).not.toContain(aliceToBob.id);
    expect(ids(carols)).not.toContain(bobToAlice.id);
    for (const entry of carols) {
      expect(entry.topic !== undefined || entry.to === '*' || entry.from === 't-carol' || entry.to === 't-carol').toBe(
        true,
      );
    }
    const alices = ids(await wholeTimeline(alice));
    expect(alices).toEqual(expect.arrayContaining([aliceToBob.id, bobToAlice.id, news.id]));
    expect(alices).not.toContain(carolToDave.id);
    expect(ids(await wholeTimeline(dave))).toContain(carolToDave.id);

    // Newest first, filtered by sender, type and time.
    expect(ids((await alice.ok('get_timeline', { from: 't-alice' })).messages)).toEqual([news.id, aliceToBob.id]);
    expect(ids((await alice.ok('get_timeline', { type: 'NOTIFICATION', from: 't-alice' })).messages)).toEqual([
      news.id,
    ]);
    const since = (await alice.ok('get_timeline', { since: news.created_at, from: 't-alice' })).messages;
    expect(ids(since)).toEqual([news.id]);
    // One at a time with the cursor.
    const one = await alice.ok('get_timeline', { from: 't-alice', limit: 1 });
    expect(ids(one.messages)).toEqual([news.id]);
    const two = await alice.ok('get_timeline', { from: 't-alice', limit: 1, cursor: one.next_cursor });
    expect(ids(two.messages)).toEqual([aliceToBob.id]);
  });

  it("sends a broadcast to every known agent but the sender, each once (' * ')", async () => {
    const own = await startCoordinator();
    try {
      const [alice, bob, carol] = await Promise.all(
        ['alice', 'bob', 'carol'].map((id) => Agent.registered(own.url, id, kind)),
      );
      // An agent that only ever sent a request is known too.
      await request(own.url)
        .post('/api/requests')
        .set('X-Agent-ID', 'script')
        .send({ target: 'alice', message: 'hi' })
        .expect(201);
      const sent = await alice.ok('publish', message({ to: '*', type: 'NOTIFICATION', subject: 'deploy at 5' }));
      expect(sent.delivered_to).toBe(3);
      for (const agent of [bob, carol]) {
        expect((await agent.ok('check_messages')).messages).toEqual([
          expect.objectContaining({ id: sent.id, to: '*', from: 'alice' }),
        ]);
        expect((await agent.ok('check_messages')).messages).toEqual([]);
      }
      const script = await request(own.url).get('/api/messages').set('X-Agent-ID', 'script').expect(200);
      expect(script.body.messages.map((m: { id: string }) => m.id)).toEqual([sent.id]);
      expect((await alice.ok('check_messages')).messages).toEqual([]);
      await Promise.all([alice, bob, carol].map((agent) => agent.close()));
    } finally {
      await own.close();
    }
  });

  it('counts a subject in characters, not UTF-16 units', async () => {
    const [alice] = await agents('u-alice', 'u-bob');
    const sent = await alice.ok('publish', message({ to: 'u-bob', subject: '😀'.repeat(200) }));
    expect(sent.delivered_to).toBe(1);
  });

  describe('refuses bad input, changing nothing', () => {
    let alice: Agent;
    let bob: Agent;

    beforeAll(async () => {
      [alice, bob] = await agents('e-alice', 'e-bob', 'e-reviewer');
    });

    afterEach(async () => {
      // Nothing reached bob's mailbox or the timeline from a refused call.
      expect((await bob.ok('check_messages')).messages).toEqual([]);
      expect((await alice.ok('get_timeline', { from: 'e-alice' })).messages).toEqual([]);
    });

    it.each([
      ['no addressee', {}, /^give exactly one of to \(an agent id, or "\*" for every agent\) and topic/],
      ['both to and topic', { to: 'e-bob', topic: 'e-news' }, /^give exactly one of to/],
      ['a message to yourself', { to: 'e-alice' }, /^you are 'e-alice': a message to yourself/],
      ['a malformed agent id', { to: 'e bob!' }, /^to 'e bob!' is invalid: use 1-64 characters/],
      ['a malformed topic', { topic: 'E News' }, /^topic 'E News' is not a topic name/],
      ['a malformed type', { to: 'e-bob', type: 'needs review!' }, /^type must be a word/],
      ['type ACK', { to: 'e-bob', type: 'ACK' }, /^type ACK is what ack_message sends/],
      ['type ack, in any case', { to: 'e-bob', type: 'Ack' }, /^type ACK is what ack_message sends/],
      ['an empty subject', { to: 'e-bob', subject: '  ' }, /^subject is empty/],
      ['a subject over 200 characters', { to: 'e-bob', subject: 's'.repeat(201) }, /^subject is 201 characters/],
      ['201 emoji as a subject', { to: 'e-bob', subject: '😀'.repeat(201) }, /^subject is 201 characters/],
      ['a body over C3PO_MAX_MESSAGE_BYTES', { to: 'e-bob', body: 'é'.repeat(1025) }, /^body is 2050 bytes, over/],
      ['priority 0', { to: 'e-bob', priority: 0 }, /priority/],
      ['priority 11', { to: 'e-bob', priority: 11 }, /priority/],
      ['ttl_s 0', { to: 'e-bob', ttl_s: 0 }, /^ttl_s must be a whole number from 1 to 604,800/],
      ['ttl_s past a week', { to: 'e-bob', ttl_s: 604801 }, /^ttl_s must be a whole number/],
      ['a fractional ttl_s', { to: 'e-bob', ttl_s: 1.5 }, /^ttl_s must be a whole number/],
      ['an empty correlation_id', { to: 'e-bob', correlation_id: '' }, /^correlation_id must be 1-200 characters/],
      ['a long correlation_id', { to: 'e-bob', correlation_id: 'c'.repeat(201) }, /^correlation_id must be/],
      ['no body', { to: 'e-bob', body: undefined }, /body/],
    ])('publish: %s', async (_what, args, error) => {
      expect(await alice.fails('publish', message(args))).toMatch(error);
    });

    it('publish: an agent that is not registered, naming a near one', async () => {
      expect(await alice.fails('publish', message({ to: 'e-reviewr' }))).toBe(
        "agent 'e-reviewr' is not registered: did you mean 'e-reviewer'? The message was not published " +
          '(list_agents shows who is registered)',
      );
      expect(await alice.fails('publish', message({ to: 'zzzzzzzz' }))).toBe(
        "agent 'zzzzzzzz' is not registered: the message was not published (list_agents shows who is registered)",
      );
    });

    it.each([
      ['check_messages', { since: 'yesterday' }, /^since must be an ISO 8601 time/],
      ['check_messages', { cursor: 'abc' }, /^cursor must be a next_cursor returned by check_messages$/],
      ['check_messages', { limit: 0 }, /^limit must be a whole number from 1 to 100$/],
      ['check_messages', { limit: 101 }, /^limit must be a whole number/],
      ['check_messages', { topic: 'Bad Topic' }, /^topic 'Bad Topic' is not a topic name/],
      ['check_messages', { unacked_only: 'yes' }, /unacked_only/],
      ['get_timeline', { since: '2026-13-45T00:00:00Z' }, /^since must be an ISO 8601 time/],
      ['get_timeline', { cursor: '-1' }, /^cursor must be a next_cursor returned by get_timeline$/],
      ['get_timeline', { limit: 2.5 }, /^limit must be a whole number/],
      ['ack_message', { id: 'req-1' }, /^id must be a message id \(msg-<n>\)/],
      ['ack_message', {}, /id/],
      ['ack_message', { id: 'msg-999999999' }, /^message 'msg-999999999' not found \(it may have expired\)$/],
      ['subscribe', { topic: 'Bad Topic' }, /^topic 'Bad Topic' is not a topic name/],
      ['subscribe', { topic: '' }, /is not a topic name/],
      ['unsubscribe', { topic: '-x' }, /^topic '-x' is not a topic name/],
    ])('%s with %j', async (tool, args, error) => {
      expect(await alice.fails(tool, args)).toMatch(error);
    });

    it('ack_message: a comment over C3PO_MAX_MESSAGE_BYTES, leaving the message unacked', async () => {
      const carol = (await agents('e-carol'))[0];
      const sent = await carol.ok('publish', message({ to: 'e-bob', ack_required: true }));
      expect(await bob.fails('ack_message', { id: sent.id, comment: 'x'.repeat(2049) })).toMatch(
        /^comment is 2049 bytes, over the 2048-byte limit/,
      );
      const [kept] = (await bob.ok('check_messages')).messages;
      expect(kept).toMatchObject({ id: sent.id, acked_at: null });
      await bob.ok('ack_message', { id: sent.id });
    });
  });
});

describe('message limits', () => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;
  let carol: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({
      C3PO_MAILBOX_MAX_MESSAGES: '2',
      C3PO_MAX_TOPICS_PER_AGENT: '2',
      C3PO_TIMELINE_MAX_MESSAGES: '3',
      C3PO_SENDS_PER_MINUTE: '1000',
    });
    [alice, bob, carol] = await Promise.all(
      ['alice', 'bob', 'carol'].map((id) => Agent.registered(coordinator.url, id)),
    );
  });

  afterAll(async () => {
    await Promise.all([alice, bob, carol].map((agent) => agent.close()));
    await coordinator.close();
  });

  it('refuses a direct message to a full mailbox; one to many skips it and counts it', async () => {
    await alice.ok('publish', message({ to: 'bob' }));
    await alice.ok('publish', message({ to: 'bob' }));
    expect(await alice.fails('publish', message({ to: 'bob' }))).toBe(
      "the mailbox of 'bob' is full (2 messages, C3PO_MAILBOX_MAX_MESSAGES): try later, or ask the user",
    );
    await bob.ok('subscribe', { topic: 'ops' });
    await carol.ok('subscribe', { topic: 'ops' });
    expect(await alice.ok('publish', message({ topic: 'ops' }))).toMatchObject({ delivered_to: 1, skipped_full: 1 });
    expect(await alice.ok('publish', message({ to: '*' }))).toMatchObject({ delivered_to: 1, skipped_full: 1 });
    expect(await metric(coordinator.url, 'c3po_messages_skipped_full_total')).toBe(2);
    // Read, the messages make room again.
    expect((await bob.ok('check_messages')).messages).toHaveLength(2);
    expect((await alice.ok('publish', message({ to: 'bob' }))).delivered_to).toBe(1);
    await bob.ok('check_messages');
    await carol.ok('check_messages');
  });

  it('makes room in a full mailbox by dropping expired messages', async () => {
    await alice.ok('publish', message({ to: 'carol', ttl_s: 1 }));
    const last = await alice.ok('publish', message({ to: 'carol', ttl_s: 1 }));
    await pastTime(last.expires_at);
    const fresh = await alice.ok('publish', message({ to: 'carol' }));
    expect(fresh.delivered_to).toBe(1);
    expect(await carol.ok('check_messages')).toMatchObject({ messages: [{ id: fresh.id }], expired_dropped: 0 });
  });

  it('refuses a topic past C3PO_MAX_TOPICS_PER_AGENT until one is left', async () => {
    await carol.ok('subscribe', { topic: 'one' });
    await carol.ok('unsubscribe', { topic: 'ops' });
    await carol.ok('subscribe', { topic: 'two' });
    expect(await carol.fails('subscribe', { topic: 'three' })).toBe(
      "'carol' is already subscribed to 2 topics (C3PO_MAX_TOPICS_PER_AGENT): unsubscribe from one first",
    );
    // A topic already held is no new one.
    expect(await carol.ok('subscribe', { topic: 'two' })).toMatchObject({ changed: false });
    await carol.ok('unsubscribe', { topic: 'one' });
    expect(await carol.ok('subscribe', { topic: 'three' })).toMatchObject({ topics: ['three', 'two'] });
  });

  it('drops from a topic, at its next publication, a subscriber whose agent record expired', async () => {
    const api = request(coordinator.url);
    await api.put('/api/topics/fleeting/subscription').set('X-Agent-ID', 'ghost').expect(200);
    await bob.ok('check_messages');
    await bob.ok('subscribe', { topic: 'fleeting' });
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    expect(await redis.smembers(keys.topicSubscribers('fleeting'))).toEqual(expect.arrayContaining(['ghost', 'bob']));
    // As Redis expires an agent record C3PO_REQUEST_TTL_S after the agent was last seen.
    await redis.del(keys.agent('ghost'));
    expect((await alice.ok('publish', message({ topic: 'fleeting' }))).delivered_to).toBe(1);
    expect(await redis.smembers(keys.topicSubscribers('fleeting'))).toEqual(['bob']);
    expect(await redis.exists(keys.subscriptions('ghost'))).toBe(0);
    expect(await redis.ttl(keys.subscriptions('bob'))).toBeGreaterThan(3600);
    await bob.ok('check_messages');
  });

  it('keeps the newest C3PO_TIMELINE_MAX_MESSAGES messages on the timeline', async () => {
    const sent: string[] = [];
    for (let i = 0; i < 5; i++) {
      sent.push((await alice.ok('publish', message({ topic: 'nobody-listens', subject: `t${i}` }))).id);
    }
    const { messages } = await alice.ok('get_timeline', { limit: 100 });
    expect(messages.map((m: { id: string }) => m.id)).toEqual(sent.slice(2).reverse());
  });
});

describe('the timeline of a busy coordinator', () => {
  it('bounds the work of one get_timeline call, going on with next_cursor', async () => {
    const coordinator = await startCoordinator({ C3PO_SENDS_PER_MINUTE: '10000' });
    try {
      const api = request(coordinator.url);
      for (const id of ['alice', 'bob', 'carol', 'dave']) {
        await api.post('/api/agents/register').set('X-Agent-ID', id).send({}).expect(200);
      }
      const messages = coordinator.app.get(MessagesService);
      const visible = await messages.publish('alice', message({ topic: 'wide' }));
      // More direct messages between others than one call looks at (500), all newer than it.
      for (let i = 0; i < 600; i++) {
        await messages.publish('carol', message({ to: 'dave' }));
      }
      const first = (await api.get('/api/timeline').set('X-Agent-ID', 'bob').expect(200)).body;
      expect(first.messages).toEqual([]);
      expect(first.next_cursor).toMatch(/^\d+$/);
      const second = (await api.get(`/api/timeline?cursor=${first.next_cursor}`).set('X-Agent-ID', 'bob').expect(200))
        .body;
      expect(second.messages.map((m: { id: string }) => m.id)).toEqual([visible.id]);
      expect(second.next_cursor).toBeNull();
    } finally {
      await coordinator.close();
    }
  });
});

describe('message send rate', () => {
  it('spends the send bucket requests use: past C3PO_SENDS_PER_MINUTE a publish is refused', async () => {
    const coordinator = await startCoordinator({ C3PO_SENDS_PER_MINUTE: '2' });
    const [alice] = await Promise.all(['alice', 'bob'].map((id) => Agent.registered(coordinator.url, id)));
    try {
      await alice.ok('send_request', { target: 'bob', message: 'one' });
      await alice.ok('publish', message({ to: 'bob' }));
      expect(await alice.fails('publish', message({ to: '*' }))).toMatch(
        /^'alice' may send 2 requests and messages a minute \(C3PO_SENDS_PER_MINUTE\): retry in \d+ s$/,
      );
      const refused = await request(coordinator.url)
        .post('/api/messages')
        .set('X-Agent-ID', 'alice')
        .send(message({ to: 'bob' }))
        .expect(429);
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await alice.close();
      await coordinator.close();
    }
  });
});

describe('messages over REST', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAILBOX_MAX_MESSAGES: '3', C3PO_MAX_MESSAGE_BYTES: '2048' });
    api = request(coordinator.url);
    for (const id of ['alice', 'bob', 'carol']) {
      await api.post('/api/agents/register').set('X-Agent-ID', id).send({}).expect(200);
    }
  });

  afterAll(() => coordinator.close());

  const as = (agentId: string) => ({
    get: (path: string) => api.get(path).set('X-Agent-ID', agentId),
    post: (path: string, body: object = {}) => api.post(path).set('X-Agent-ID', agentId).send(body),
    put: (path: string) => api.put(path).set('X-Agent-ID', agentId),
    delete: (path: string) => api.delete(path).set('X-Agent-ID', agentId),
  });

  it('publishes, checks, acks and shows the timeline as the tools do', async () => {
    const sent = await as('alice')
      .post('/api/messages', message({ to: 'bob', type: 'READY_FOR_REVIEW', ack_required: true, priority: 8 }))
      .expect(201);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^msg-/), delivered_to: 1, skipped_full: 0 });

    const checked = await as('bob').get('/api/messages?unacked_only=true&type=READY_FOR_REVIEW').expect(200);
    expect(checked.body).toMatchObject({
      messages: [{ id: sent.body.id, from: 'alice', priority: 8, ack_required: true, acked_at: null }],
      remaining: 1,
      expired_dropped: 0,
      next_cursor: null,
    });
    const acked = await as('bob').post(`/api/messages/${sent.body.id}/ack`, { comment: 'on it' }).expect(200);
    expect(acked.body).toMatchObject({ id: sent.body.id, acks: 1, sender_notified: true });
    const again = await as('bob').post(`/api/messages/${sent.body.id}/ack`).expect(200);
    expect(again.body).toMatchObject({ acks: 1, duplicate: true });

    const ack = await as('alice').get('/api/messages?from=bob&limit=1').expect(200);
    expect(ack.body.messages).toEqual([
      expect.objectContaining({ type: 'ACK', body: 'on it', correlation_id: sent.body.id }),
    ]);
    const timeline = await as('alice').get('/api/timeline?type=READY_FOR_REVIEW&limit=5').expect(200);
    expect(timeline.body.messages).toEqual([
      expect.objectContaining({ id: sent.body.id, acks: 1, acked_by: [expect.objectContaining({ comment: 'on it' })] }),
    ]);
  });

  it('subscribes with PUT and unsubscribes with DELETE; subscribing makes a new agent known', async () => {
    const joined = await as('newcomer').put('/api/topics/releases/subscription').expect(200);
    expect(joined.body).toEqual({ topic: 'releases', subscribed: true, changed: true, topics: ['releases'] });
    expect(
      (
        await as('alice')
          .post('/api/messages', message({ topic: 'releases' }))
          .expect(201)
      ).body,
    ).toMatchObject({
      delivered_to: 1,
    });
    // Known now, the newcomer can be written to directly, too.
    await as('alice')
      .post('/api/messages', message({ to: 'newcomer' }))
      .expect(201);
    expect((await as('newcomer').get('/api/messages').expect(200)).body.messages).toHaveLength(2);
    const left = await as('newcomer').delete('/api/topics/releases/subscription').expect(200);
    expect(left.body).toEqual({ topic: 'releases', subscribed: false, changed: true, topics: [] });
    // Reading and unsubscribing make no agent: an unknown id cannot be written to.
    await as('ghost').get('/api/messages').expect(200);
    await as('ghost').delete('/api/topics/releases/subscription').expect(200);
    await as('alice')
      .post('/api/messages', message({ to: 'ghost' }))
      .expect(404);
  });

  it.each([
    ['an unknown field', 'post', '/api/messages', { ...message({ to: 'bob' }), urgent: true }, 400, /urgent/],
    ['priority 11', 'post', '/api/messages', message({ to: 'bob', priority: 11 }), 400, /priority/],
    ['a string priority', 'post', '/api/messages', message({ to: 'bob', priority: '9' }), 400, /priority/],
    ['no addressee', 'post', '/api/messages', message({}), 400, /^give exactly one of to/],
    ['an unknown addressee', 'post', '/api/messages', message({ to: 'nobody-here' }), 404, /is not registered/],
    ['a message to yourself', 'post', '/api/messages', message({ to: 'carol' }), 400, /yourself/],
    ['unacked_only=maybe', 'get', '/api/messages?unacked_only=maybe', undefined, 400, /unacked_only/],
    ['limit=0', 'get', '/api/messages?limit=0', undefined, 400, /limit/],
    ['a bad since', 'get', '/api/timeline?since=soon', undefined, 400, /^since must be an ISO 8601 time/],
    ['a bad cursor', 'get', '/api/timeline?cursor=x', undefined, 400, /^cursor must be a next_cursor/],
    ['a bad message id', 'post', '/api/messages/nope/ack', {}, 400, /^id must be a message id/],
    ['an unknown message', 'post', '/api/messages/msg-99999999/ack', {}, 404, /not found/],
    ['an ack with a number comment', 'post', '/api/messages/msg-1/ack', { comment: 5 }, 400, /comment/],
    ['a bad topic', 'put', '/api/topics/Bad%20Topic/subscription', undefined, 400, /is not a topic name/],
  ])('refuses %s', async (_what, method, path, body, status, error) => {
    const call = method === 'post' ? as('carol').post(path, body) : as('carol')[method as 'get' | 'put'](path);
    const response = await call.expect(status);
    const text = Array.isArray(response.body.message) ? response.body.message.join('; ') : response.body.message;
    expect(text).toMatch(error);
  });

  it('refuses an ack from an agent the message did not reach (403) and a full mailbox (429)', async () => {
    const sent = await as('alice')
      .post('/api/messages', message({ to: 'bob' }))
      .expect(201);
    const refused = await as('carol').post(`/api/messages/${sent.body.id}/ack`).expect(403);
    expect(refused.body.message).toBe(
      `message '${sent.body.id}' was not delivered to you ('carol'): only its recipients can ack it`,
    );
    await as('alice')
      .post('/api/messages', message({ to: 'carol' }))
      .expect(201);
    await as('alice')
      .post('/api/messages', message({ to: 'carol' }))
      .expect(201);
    await as('alice')
      .post('/api/messages', message({ to: 'carol' }))
      .expect(201);
    const full = await as('alice')
      .post('/api/messages', message({ to: 'carol' }))
      .expect(429);
    expect(full.body.message).toMatch(/^the mailbox of 'carol' is full \(3 messages/);
  });

  it('needs X-Agent-ID', async () => {
    await api.get('/api/messages').expect(400);
    await api
      .post('/api/messages')
      .send(message({ to: 'bob' }))
      .expect(400);
  });
});
