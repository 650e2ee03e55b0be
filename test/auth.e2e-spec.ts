import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, eventually, startCoordinator, uniquePrefix } from './support/coordinator.js';

const ADMIN_TOKEN = 'admin-'.padEnd(40, 'x');
const admin = { Authorization: `Bearer ${ADMIN_TOKEN}` };

async function createKey(coordinator: Coordinator, name: string, agent: string): Promise<string> {
  const created = await request(coordinator.url).post('/api/admin/keys').set(admin).send({ name, agent }).expect(201);
  return created.body.key as string;
}

async function auditEntries(coordinator: Coordinator, query = ''): Promise<Record<string, string>[]> {
  const page = await request(coordinator.url).get(`/api/admin/audit?limit=1000${query}`).set(admin).expect(200);
  return page.body.entries;
}

/** Audit writes are fire-and-forget: read until the expected entry shows up. */
async function auditedEventually(coordinator: Coordinator, match: Record<string, string>) {
  for (let i = 0; i < 100; i++) {
    const entries = await auditEntries(coordinator);
    const found = entries.find((entry) => Object.entries(match).every(([field, value]) => entry[field] === value));
    if (found) {
      return found;
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`no audit entry like ${JSON.stringify(match)}`);
}

describe('API keys off (no C3PO_ADMIN_TOKEN)', () => {
  let coordinator: Coordinator;
  beforeAll(async () => {
    coordinator = await startCoordinator();
  });
  afterAll(() => coordinator.close());

  it('serves agents without a key, as before', async () => {
    await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'solo').expect(200);
    const agent = await Agent.connect(coordinator.url, 'solo');
    await agent.ok('list_agents');
    await agent.close();
  });

  it('keeps the admin API off, saying how to turn it on', async () => {
    const answer = await request(coordinator.url).get('/api/admin/keys').set(admin).expect(403);
    expect(answer.body.message).toContain('C3PO_ADMIN_TOKEN');
  });

  it('leaves the dead-letter routes open, as before', async () => {
    await request(coordinator.url).get('/api/dead-letters').expect(200);
  });
});

describe('API keys on', () => {
  const prefix = uniquePrefix();
  let coordinator: Coordinator;
  /** Another coordinator process on the same Redis and prefix. */
  let second: CoordinatorProcess;
  let bobKey: string;
  let malloryKey: string;
  let laptopKey: string;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN, C3PO_KEY_PREFIX: prefix });
    second = await CoordinatorProcess.start({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN, C3PO_KEY_PREFIX: prefix });
    bobKey = await createKey(coordinator, 'bob', 'bob');
    malloryKey = await createKey(coordinator, 'mallory', 'mallory');
    laptopKey = await createKey(coordinator, 'laptop', 'laptop-*');
  });
  afterAll(async () => {
    await coordinator.close();
    await second.terminate();
  });

  describe('the admin API', () => {
    it('shows a key once and stores only its hash', async () => {
      const created = await request(coordinator.url)
        .post('/api/admin/keys')
        .set(admin)
        .send({ name: 'ci', agent: 'ci-runner' })
        .expect(201);
      expect(created.body).toMatchObject({ name: 'ci', agent_pattern: 'ci-runner', last_used_at: null });
      expect(created.body.key).toMatch(/^c3po_/);
      const listed = await request(coordinator.url).get('/api/admin/keys').set(admin).expect(200);
      expect(listed.body.keys.map((key: { name: string }) => key.name)).toEqual(['bob', 'ci', 'laptop', 'mallory']);
      expect(JSON.stringify(listed.body)).not.toContain(created.body.key);
      const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
      const stored = await redis.hgetall(new RedisKeys(prefix).apiKey(created.body.id));
      expect(Object.values(stored)).not.toContain(created.body.key);
      expect(stored.hash).toMatch(/^[0-9a-f]{64}$/);
    });

    it('records when a key was last used', async () => {
      await request(coordinator.url)
        .get('/api/pending')
        .set({ 'X-Agent-ID': 'laptop-1', Authorization: `Bearer ${laptopKey}` })
        .expect(200);
      const listed = await request(coordinator.url).get('/api/admin/keys').set(admin).expect(200);
      const laptop = listed.body.keys.find((key: { name: string }) => key.name === 'laptop');
      expect(Date.parse(laptop.last_used_at)).toBeGreaterThan(Date.parse(laptop.created_at) - 1);
    });

    it('refuses a second key of the same name, a bad pattern, and callers without the admin token', async () => {
      const taken = await request(coordinator.url)
        .post('/api/admin/keys')
        .set(admin)
        .send({ name: 'bob', agent: 'x' })
        .expect(409);
      expect(taken.body.message).toContain("a key named 'bob' exists");
      const bad = await request(coordinator.url)
        .post('/api/admin/keys')
        .set(admin)
        .send({ name: 'x', agent: 'a/b' })
        .expect(400);
      expect(bad.body.message).toContain('agent must be');
      await request(coordinator.url).get('/api/admin/keys').expect(403);
      await request(coordinator.url).get('/api/admin/keys').set('Authorization', `Bearer ${bobKey}`).expect(403);
      await request(coordinator.url).get('/api/admin/keys').set('Authorization', `Bearer ${ADMIN_TOKEN}x`).expect(403);
    });

    it('puts the dead-letter routes behind the admin token', async () => {
      await request(coordinator.url).get('/api/dead-letters').expect(403);
      await request(coordinator.url)
        .get('/api/dead-letters')
        .set({ 'X-Agent-ID': 'bob', Authorization: `Bearer ${bobKey}` })
        .expect(403);
      await request(coordinator.url).get('/api/dead-letters').set(admin).expect(200);
    });
  });

  describe.each(clientKinds)('over MCP (%s)', (kind) => {
    // The 2.x client reports only the status; the messages are checked on /mcp directly below.
    it('refuses a connection without a key (403), a wrong key (401), and a key for another id (403)', async () => {
      await expect(Agent.connect(coordinator.url, 'bob', kind)).rejects.toThrow(/403/);
      await expect(Agent.connect(coordinator.url, 'bob', kind, { apiKey: 'c3po_wrong' })).rejects.toThrow(/401/);
      await expect(Agent.connect(coordinator.url, 'bob', kind, { apiKey: laptopKey })).rejects.toThrow(/403/);
    });

    it('serves every id its key allows', async () => {
      const agent = await Agent.connect(coordinator.url, `laptop-${kind.slice(0, 3)}`, kind, { apiKey: laptopKey });
      await agent.ok('register_agent', {});
      await agent.close();
    });
  });

  describe('mallory, with her own key', () => {
    let alice: Agent;
    let bob: Agent;
    let mallory: Agent;
    let aliceKey: string;
    beforeAll(async () => {
      aliceKey = await createKey(coordinator, 'alice', 'alice');
      alice = await Agent.connect(coordinator.url, 'alice', undefined, { apiKey: aliceKey });
      bob = await Agent.connect(coordinator.url, 'bob', undefined, { apiKey: bobKey });
      mallory = await Agent.connect(coordinator.url, 'mallory', undefined, { apiKey: malloryKey });
      await bob.ok('register_agent', {});
      await mallory.ok('register_agent', {});
    });
    afterAll(async () => {
      await alice.close();
      await bob.close();
      await mallory.close();
    });

    it('cannot act as bob with her key, over MCP or REST', async () => {
      await expect(Agent.connect(coordinator.url, 'bob', undefined, { apiKey: malloryKey })).rejects.toThrow(/403/);
      const asBob = { 'X-Agent-ID': 'bob', Authorization: `Bearer ${malloryKey}` };
      await request(coordinator.url).get('/api/pending').set(asBob).expect(403);
      await request(coordinator.url).post('/api/agents/leave').set(asBob).send({}).expect(403);
      await auditedEventually(coordinator, {
        action: 'refused.key',
        outcome: 'agent not allowed',
        agent: 'bob',
        key: 'mallory',
      });
    });

    it("cannot read, take, answer or cancel bob's requests, nor read or join his conversation", async () => {
      const sent = await alice.ok('send_request', { target: 'bob', message: 'secret plan' });
      const requestId = sent.request_id as string;
      const conversationId = sent.conversation_id as string;
      // Her own inbox is not his: a wait of hers takes nothing of his.
      expect(await mallory.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
      expect(await mallory.fails('get_request', { request_id: requestId })).toContain('neither from nor to you');
      expect(await mallory.fails('get_request_status', { request_id: requestId })).toContain('neither from nor to you');
      expect(await mallory.fails('respond_to_request', { request_id: requestId, response: 'forged' })).toContain(
        'not addressed to you',
      );
      expect(await mallory.fails('cancel_request', { request_id: requestId })).toContain('not sent by you');
      expect(await mallory.fails('wait_for_response', { request_id: requestId, timeout: 0 })).toContain(
        'only the sender',
      );
      expect(await mallory.fails('get_conversation', { conversation_id: conversationId })).toContain(
        'not a participant',
      );
      expect(
        await mallory.fails('send_request', { target: 'bob', message: 'injected', conversation_id: conversationId }),
      ).toContain('not a participant');
      // Bob still gets the request, untouched, and his answer reaches alice.
      const taken = await bob.ok('wait_for_request', { timeout: 5 });
      expect(taken.request).toMatchObject({ request_id: requestId, message: 'secret plan', delivery_count: 1 });
      await bob.ok('respond_to_request', { request_id: requestId, response: 'the real answer' });
      expect(await alice.ok('wait_for_response', { request_id: requestId })).toMatchObject({
        response: 'the real answer',
        from_agent: 'bob',
      });
    });

    it('writes sends, answers and cancels to the audit log, never their text', async () => {
      const { request_id: requestId } = await alice.ok('send_request', { target: 'bob', message: 'audit me please' });
      await alice.ok('cancel_request', { request_id: requestId });
      const send = await auditedEventually(coordinator, {
        action: 'send',
        agent: 'alice',
        detail: `${requestId} to bob`,
      });
      expect(send).toMatchObject({ outcome: 'ok', key: 'alice' });
      await auditedEventually(coordinator, { action: 'cancel', agent: 'alice', outcome: 'ok', detail: requestId });
      await auditedEventually(coordinator, { action: 'answer', agent: 'bob', outcome: 'ok' });
      await auditedEventually(coordinator, { action: 'answer', agent: 'mallory', outcome: 'not addressee' });
      const all = JSON.stringify(await auditEntries(coordinator));
      expect(all).not.toContain('audit me please');
      expect(all).not.toContain('secret plan');
      expect(all).not.toContain('the real answer');
    });
  });

  it('tells an MCP client what is wrong with its key, in the JSON Claude Code shows', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const call = (headers: Record<string, string>) =>
      request(coordinator.url)
        .post('/mcp')
        .set({ Accept: 'application/json, text/event-stream', 'X-Agent-ID': 'bob', ...headers })
        .send(initialize);
    expect((await call({}).expect(403)).body.message).toContain('set C3PO_API_KEY');
    expect((await call({ Authorization: 'Bearer c3po_wrong' }).expect(401)).body.message).toContain(
      'C3PO_API_KEY is not valid',
    );
    expect((await call({ Authorization: `Bearer ${laptopKey}` }).expect(403)).body.message).toContain(
      "may act only as agent ids matching 'laptop-*', not 'bob': set C3PO_AGENT_ID",
    );
  });

  it('refuses a call without a key with 403 and a wrong key with 401 on REST, and audits both', async () => {
    const none = await request(coordinator.url).get('/api/pending').set('X-Agent-ID', 'bob').expect(403);
    expect(none.body.message).toContain('set C3PO_API_KEY');
    const wrong = await request(coordinator.url)
      .get('/api/pending')
      .set({ 'X-Agent-ID': 'bob', Authorization: 'Bearer c3po_nope' })
      .expect(401);
    expect(wrong.body.message).toContain('not valid');
    await auditedEventually(coordinator, { action: 'refused.key', outcome: 'no key', agent: 'bob' });
    await auditedEventually(coordinator, { action: 'refused.key', outcome: 'invalid key', agent: 'bob' });
  });

  it('stops a revoked key at once on both coordinator processes', async () => {
    const key = await createKey(coordinator, 'temp', 'temp-*');
    const headers = { 'X-Agent-ID': 'temp-1', Authorization: `Bearer ${key}` };
    await request(coordinator.url).get('/api/pending').set(headers).expect(200);
    await request(second.url).get('/api/pending').set(headers).expect(200);
    const revoked = await request(second.url).delete('/api/admin/keys/temp').set(admin).expect(200);
    expect(revoked.body).toMatchObject({ name: 'temp', agent_pattern: 'temp-*' });
    await request(coordinator.url).get('/api/pending').set(headers).expect(401);
    await request(second.url).get('/api/pending').set(headers).expect(401);
    await request(second.url).delete('/api/admin/keys/temp').set(admin).expect(404);
    await auditedEventually(coordinator, { action: 'key.revoke', key: 'temp', outcome: 'ok' });
    await auditedEventually(coordinator, { action: 'key.create', key: 'temp', outcome: 'ok' });
  });

  it('revokes by id as well as by name', async () => {
    const created = await request(coordinator.url)
      .post('/api/admin/keys')
      .set(admin)
      .send({ name: 'by-id', agent: 'x' })
      .expect(201);
    await request(coordinator.url).delete(`/api/admin/keys/${created.body.id}`).set(admin).expect(200);
    const listed = await request(coordinator.url).get('/api/admin/keys').set(admin).expect(200);
    expect(listed.body.keys.map((key: { name: string }) => key.name)).not.toContain('by-id');
  });

  it('refuses a name that looks like a key id, so that revoking by id cannot hit another key', async () => {
    const target = await request(coordinator.url)
      .post('/api/admin/keys')
      .set(admin)
      .send({ name: 'id-target', agent: 'x' })
      .expect(201);
    const decoy = await request(coordinator.url)
      .post('/api/admin/keys')
      .set(admin)
      .send({ name: target.body.id, agent: 'y' })
      .expect(400);
    expect(decoy.body.message).toContain("not with 'key_'");
    const revoked = await request(coordinator.url).delete(`/api/admin/keys/${target.body.id}`).set(admin).expect(200);
    expect(revoked.body).toMatchObject({ id: target.body.id, name: 'id-target' });
  });

  it('pages the audit log newest first and filters it by agent and action', async () => {
    const first = await request(coordinator.url).get('/api/admin/audit?limit=2').set(admin).expect(200);
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.entries[0].id > first.body.entries[1].id).toBe(true);
    const next = await request(coordinator.url)
      .get(`/api/admin/audit?limit=2&before=${first.body.next_before}`)
      .set(admin)
      .expect(200);
    expect(next.body.entries[0].id < first.body.entries[1].id).toBe(true);
    const keyChanges = await auditEntries(coordinator, '&action=key.');
    expect(keyChanges.length).toBeGreaterThan(0);
    expect(keyChanges.every((entry) => entry.action.startsWith('key.'))).toBe(true);
    const bobs = await auditEntries(coordinator, '&agent=bob');
    expect(bobs.length).toBeGreaterThan(0);
    expect(bobs.every((entry) => entry.agent === 'bob')).toBe(true);
    await request(coordinator.url).get('/api/admin/audit?before=nonsense').set(admin).expect(400);
  });

  // Found by test/fuzz: Redis refuses the exclusive range "(0-0" that before=0-0 made, a 500.
  it.each(['0-0', '000-00'])('answers an empty last page before the first possible entry (before=%s)', async (id) => {
    const page = await request(coordinator.url).get(`/api/admin/audit?before=${id}`).set(admin).expect(200);
    expect(page.body).toEqual({ entries: [], next_before: null });
  });
});

describe('API keys with wildcard patterns and revocation mid-wait', () => {
  const prefix = uniquePrefix();
  let coordinator: Coordinator;
  /** Same Redis and prefix: wake-ups reach its waits by pub/sub, never by in-process hand-off. */
  let other: Coordinator;
  beforeAll(async () => {
    const env = {
      C3PO_ADMIN_TOKEN: ADMIN_TOKEN,
      C3PO_KEY_PREFIX: prefix,
      C3PO_SENDS_PER_MINUTE: '3',
      C3PO_MAX_AGENTS_PER_KEY: '3',
    };
    coordinator = await startCoordinator(env);
    other = await startCoordinator(env);
  });
  afterAll(async () => {
    await coordinator.close();
    await other.close();
  });

  it('gives all the agent ids of one key one send bucket', async () => {
    const key = await createKey(coordinator, 'fleet', 'fleet-*');
    const sinkKey = await createKey(coordinator, 'sink', 'sink');
    const sink = await Agent.connect(coordinator.url, 'sink', undefined, { apiKey: sinkKey });
    await sink.ok('register_agent', {});
    const one = await Agent.connect(coordinator.url, 'fleet-1', undefined, { apiKey: key });
    const two = await Agent.connect(coordinator.url, 'fleet-2', undefined, { apiKey: key });
    await one.ok('send_request', { target: 'sink', message: 'a' });
    await two.ok('send_request', { target: 'sink', message: 'b' });
    await one.ok('send_request', { target: 'sink', message: 'c' });
    expect(await two.fails('send_request', { target: 'sink', message: 'd' })).toMatch(
      /^the agents of API key 'fleet' may send 3 requests a minute \(C3PO_SENDS_PER_MINUTE\): retry in \d+ s$/,
    );
    // Another key has a bucket of its own.
    await sink.ok('send_request', { target: 'fleet-1', message: 'not counted against fleet' });
    await Promise.all([sink, one, two].map((agent) => agent.close()));
  });

  it('lets one key use at most C3PO_MAX_AGENTS_PER_KEY agent ids', async () => {
    const key = await createKey(coordinator, 'many', 'many-*');
    const asId = (id: string) => ({ 'X-Agent-ID': id, Authorization: `Bearer ${key}` });
    for (const id of ['many-1', 'many-2', 'many-3']) {
      await request(coordinator.url).get('/api/pending').set(asId(id)).expect(200);
    }
    const refused = await request(coordinator.url).get('/api/pending').set(asId('many-4')).expect(429);
    expect(refused.body.message).toBe(
      "the API key 'many' has already used 3 agent ids (C3PO_MAX_AGENTS_PER_KEY): use one of those, or ask the operator",
    );
    await request(coordinator.url).get('/api/pending').set(asId('many-2')).expect(200);
    const listed = await request(coordinator.url).get('/api/agents').set(asId('many-1')).expect(200);
    expect(listed.body.agents.map((agent: { agent_id: string }) => agent.agent_id)).not.toContain('many-4');
  });

  it.each([
    ['handed over in the same process', 'same', () => coordinator],
    ['woken from another process', 'other', () => other],
  ])('ends a wait whose key is revoked, and leaves what arrives queued (%s)', async (_, name, sendVia) => {
    const waiterKey = await createKey(coordinator, `waiter-${name}`, `waiter-${name}`);
    const senderKey = await createKey(coordinator, `sender-${name}`, `sender-${name}`);
    const waiter = await Agent.connect(coordinator.url, `waiter-${name}`, undefined, { apiKey: waiterKey });
    await waiter.ok('register_agent', {});
    const sender = await Agent.connect(sendVia().url, `sender-${name}`, undefined, { apiKey: senderKey });
    const wait = waiter.call('wait_for_request', { timeout: 30 });
    await eventually(() => coordinator.blockedWaiters() === 1, 'the wait to block');
    // Revoked through the sender's coordinator: the waiting one learns of it from Redis alone.
    await request(sendVia().url).delete(`/api/admin/keys/waiter-${name}`).set(admin).expect(200);
    const { request_id: requestId } = await sender.ok('send_request', {
      target: `waiter-${name}`,
      message: 'still yours?',
    });
    const ended = await wait;
    expect(ended).toMatchObject({ isError: true });
    expect(ended.text).toContain(`the API key 'waiter-${name}' was revoked`);
    expect(await sender.ok('get_request_status', { request_id: requestId })).toMatchObject({
      state: 'queued',
      delivery_count: 0,
    });
    await waiter.close();
    await sender.close();
  });

  it('ends a wait of a revoked key at its next re-check, though nothing arrives', async () => {
    const quick = await startCoordinator({
      C3PO_ADMIN_TOKEN: ADMIN_TOKEN,
      C3PO_KEY_PREFIX: prefix,
      C3PO_WAIT_RECHECK_MS: '100',
    });
    try {
      const key = await createKey(coordinator, 'idle', 'idle');
      const idle = await Agent.connect(quick.url, 'idle', undefined, { apiKey: key });
      const wait = idle.call('wait_for_request', { timeout: 20 });
      await eventually(() => quick.blockedWaiters() === 1, 'the wait to block');
      await request(coordinator.url).delete('/api/admin/keys/idle').set(admin).expect(200);
      expect((await wait).text).toContain("the API key 'idle' was revoked");
      await idle.close();
    } finally {
      await quick.close();
    }
  });

  it('ends a wait for an answer once the waiting key is revoked, though the answer is handed over in-process', async () => {
    const askerKey = await createKey(coordinator, 'asker', 'asker');
    const helperKey = await createKey(coordinator, 'helper', 'helper');
    const asker = await Agent.connect(coordinator.url, 'asker', undefined, { apiKey: askerKey });
    const helper = await Agent.connect(coordinator.url, 'helper', undefined, { apiKey: helperKey });
    await helper.ok('register_agent', {});
    const { request_id: requestId } = await asker.ok('send_request', { target: 'helper', message: 'q' });
    const wait = asker.call('wait_for_response', { request_id: requestId, timeout: 30 });
    await eventually(() => coordinator.blockedWaiters() === 1, 'the wait to block');
    await request(coordinator.url).delete('/api/admin/keys/asker').set(admin).expect(200);
    await helper.ok('respond_to_request', { request_id: requestId, response: 'a' });
    expect((await wait).text).toContain("the API key 'asker' was revoked");
    await asker.close();
    await helper.close();
  });
});
