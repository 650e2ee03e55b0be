import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

describe.each(clientKinds)('MCP tools with %s', (kind) => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '2048' });
    alice = await Agent.registered(coordinator.url, 'alice', kind);
    bob = await Agent.registered(coordinator.url, 'bob', kind);
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await coordinator.close();
  });

  /** Sends alice → bob and returns the request id. */
  async function aliceAsksBob(message: string): Promise<string> {
    return (await alice.ok('send_request', { target: 'bob', message })).request_id as string;
  }

  it('speaks the protocol revision of its generation', () => {
    expect(alice.protocolVersion).toBe(kind.startsWith('sdk-1.x') ? '2025-11-25' : '2026-07-28');
  });

  it('lists the tools', async () => {
    expect(await alice.listTools()).toEqual([
      'ack_message',
      'add_finding',
      'cancel_request',
      'check_messages',
      'claim_task',
      'complete_task',
      'create_task',
      'fail_task',
      'get_board',
      'get_conversation',
      'get_pending_requests',
      'get_request',
      'get_request_status',
      'get_timeline',
      'list_agents',
      'list_reservations',
      'list_tasks',
      'publish',
      'register_agent',
      'release_files',
      'release_task',
      'reserve_files',
      'respond_to_request',
      'search_findings',
      'send_request',
      'set_plan',
      'subscribe',
      'unsubscribe',
      'update_task',
      'wait_for_request',
      'wait_for_response',
      'wait_for_task',
    ]);
  });

  it('carries a request and its answer between two agents', async () => {
    const sent = await alice.ok('send_request', { target: 'bob', message: 'what is 2+2?', context: 'arithmetic' });
    expect(sent).toMatchObject({ status: 'queued', target_online: true });
    expect(sent.request_id).toMatch(/^req-/);
    expect(sent.conversation_id).toMatch(/^conv-/);

    const received = await bob.ok('wait_for_request', { timeout: 5 });
    expect(received.status).toBe('received');
    expect(received.request).toMatchObject({
      request_id: sent.request_id,
      conversation_id: sent.conversation_id,
      from_agent: 'alice',
      to_agent: 'bob',
      message: 'what is 2+2?',
      context: 'arithmetic',
      state: 'delivered',
    });
    expect(Date.parse(received.request.delivered_at)).toBeGreaterThanOrEqual(Date.parse(received.request.created_at));

    expect(await bob.ok('respond_to_request', { request_id: sent.request_id, response: '4' })).toEqual({
      request_id: sent.request_id,
      status: 'answered',
    });
    const answer = await alice.ok('wait_for_response', { request_id: sent.request_id, timeout: 5 });
    expect(answer).toMatchObject({
      status: 'answered',
      request_id: sent.request_id,
      from_agent: 'bob',
      response: '4',
      response_status: 'success',
    });
    // The answer stays readable.
    expect(await alice.ok('wait_for_response', { request_id: sent.request_id, timeout: 0 })).toEqual(answer);
  });

  it('register_agent publishes a description and capabilities that list_agents shows', async () => {
    const registered = await alice.ok('register_agent', { description: 'backend work', capabilities: ['postgres'] });
    expect(registered.agent_id).toBe('alice');
    expect(Number.isNaN(Date.parse(registered.registered_at))).toBe(false);

    const { agents } = await bob.ok('list_agents');
    expect(agents).toContainEqual(
      expect.objectContaining({
        agent_id: 'alice',
        status: 'online',
        description: 'backend work',
        capabilities: ['postgres'],
      }),
    );
    expect(agents.map((agent: { agent_id: string }) => agent.agent_id)).toEqual(
      expect.arrayContaining(['alice', 'bob']),
    );
  });

  it('register_agent rejects capabilities that are not a list of strings', async () => {
    expect(await alice.fails('register_agent', { capabilities: 'postgres' })).toMatch(/capabilities/);
  });

  it('get_pending_requests returns every unanswered request, oldest first, without consuming them', async () => {
    const first = await aliceAsksBob('first');
    const second = await aliceAsksBob('second');

    const pending = await bob.ok('get_pending_requests');
    expect(pending.requests.map((r: { request_id: string }) => r.request_id)).toEqual([first, second]);
    expect(pending.requests.every((r: { state: string }) => r.state === 'delivered')).toBe(true);
    // Reading again returns the same requests: they stay until answered.
    const again = await bob.ok('get_pending_requests');
    expect(again.requests.map((r: { request_id: string }) => r.request_id)).toEqual([first, second]);
    // Delivered requests are not handed out again by wait_for_request.
    expect(await bob.ok('wait_for_request', { timeout: 0 })).toEqual({ status: 'timeout', waited_seconds: 0 });

    await bob.ok('respond_to_request', { request_id: first, response: 'done' });
    await bob.ok('respond_to_request', { request_id: second, response: 'done', status: 'declined' });
    expect((await bob.ok('get_pending_requests')).requests).toEqual([]);
    expect(await alice.ok('wait_for_response', { request_id: second })).toMatchObject({
      response_status: 'declined',
    });
  });

  it('wait_for_request times out with the waited seconds when nothing arrives', async () => {
    expect(await bob.ok('wait_for_request', { timeout: 1 })).toEqual({ status: 'timeout', waited_seconds: 1 });
  });

  it('wait_for_response times out without touching the request', async () => {
    const requestId = await aliceAsksBob('no answer yet');
    expect(await alice.ok('wait_for_response', { request_id: requestId, timeout: 1 })).toMatchObject({
      status: 'timeout',
      request_id: requestId,
      waited_seconds: 1,
      state: 'queued',
      delivery_count: 0,
      message: expect.stringMatching(/'bob' has not picked it up yet/),
    });
    const received = await bob.ok('wait_for_request', { timeout: 1 });
    expect(received.request.request_id).toBe(requestId);
    await bob.ok('respond_to_request', { request_id: requestId, response: 'late' });
  });

  describe('send_request refuses', () => {
    it('a target that is not registered, suggesting the closest ids', async () => {
      expect(await alice.fails('send_request', { target: 'bobb', message: 'typo' })).toBe(
        "agent 'bobb' is not registered: did you mean 'bob'? The request was not queued (list_agents shows who is registered)",
      );
      expect(await alice.fails('send_request', { target: 'zzzzzzzz', message: 'nobody' })).toBe(
        "agent 'zzzzzzzz' is not registered: the request was not queued (list_agents shows who is registered)",
      );
    });

    it('a request to yourself', async () => {
      expect(await alice.fails('send_request', { target: 'alice', message: 'hi me' })).toMatch(/yourself/);
    });

    it('an empty message', async () => {
      expect(await alice.fails('send_request', { target: 'bob', message: '  ' })).toMatch(/message is empty/);
    });

    it('a message or context over C3PO_MAX_MESSAGE_BYTES', async () => {
      const big = 'é'.repeat(1025); // 2050 bytes in UTF-8
      expect(await alice.fails('send_request', { target: 'bob', message: big })).toMatch(
        /message is 2050 bytes, over the 2048-byte limit/,
      );
      expect(await alice.fails('send_request', { target: 'bob', message: 'ok', context: big })).toMatch(
        /context is 2050 bytes/,
      );
    });

    it('a malformed target id, naming the rule', async () => {
      expect(await alice.fails('send_request', { target: 'bob smith', message: 'hi' })).toMatch(
        /target 'bob smith' is invalid: use 1-64 characters/,
      );
    });

    it('a conversation that does not exist', async () => {
      expect(await alice.fails('send_request', { target: 'bob', message: 'hi', conversation_id: 'conv-nope' })).toMatch(
        /conversation 'conv-nope' not found/,
      );
    });

    it('a missing argument, naming it', async () => {
      expect(await alice.fails('send_request', { target: 'bob' })).toMatch(/message/);
    });
  });

  describe('respond_to_request refuses', () => {
    it('an unknown request id', async () => {
      expect(await bob.fails('respond_to_request', { request_id: 'x', response: 'hi' })).toBe(
        "request 'x' not found (it may have expired)",
      );
    });

    it('an answer from someone other than the addressee, and leaves the request unanswered', async () => {
      const requestId = await aliceAsksBob('only bob may answer');
      expect(await alice.fails('respond_to_request', { request_id: requestId, response: 'me' })).toMatch(
        /not addressed to you/,
      );
      await bob.ok('respond_to_request', { request_id: requestId, response: 'bob here' });
      expect((await alice.ok('wait_for_response', { request_id: requestId })).response).toBe('bob here');
    });

    it('a second answer, keeping the first', async () => {
      const requestId = await aliceAsksBob('answer once');
      await bob.ok('respond_to_request', { request_id: requestId, response: 'first' });
      expect(await bob.fails('respond_to_request', { request_id: requestId, response: 'second' })).toMatch(
        /already answered/,
      );
      expect((await alice.ok('wait_for_response', { request_id: requestId })).response).toBe('first');
    });

    it('an empty answer or an unknown status', async () => {
      const requestId = await aliceAsksBob('say something');
      expect(await bob.fails('respond_to_request', { request_id: requestId, response: '' })).toMatch(
        /response is empty/,
      );
      expect(await bob.fails('respond_to_request', { request_id: requestId, response: 'x', status: 'maybe' })).toMatch(
        /status/,
      );
      await bob.ok('respond_to_request', { request_id: requestId, response: 'something' });
    });
  });

  describe('wait_for_response refuses', () => {
    it('anyone but the sender', async () => {
      const requestId = await aliceAsksBob('mine');
      expect(await bob.fails('wait_for_response', { request_id: requestId })).toMatch(
        /only the sender \('alice'\) can wait/,
      );
      await bob.ok('respond_to_request', { request_id: requestId, response: 'ok' });
    });

    it('an unknown request id', async () => {
      expect(await alice.fails('wait_for_response', { request_id: 'req-missing' })).toBe(
        "request 'req-missing' not found",
      );
    });

    it('a timeout over an hour', async () => {
      expect(await alice.fails('wait_for_response', { request_id: 'req-x', timeout: 3601 })).toMatch(/timeout/);
      expect(await alice.fails('wait_for_request', { timeout: -1 })).toMatch(/timeout/);
    });
  });

  describe('get_conversation', () => {
    it('refuses an unknown conversation and non-participants', async () => {
      expect(await alice.fails('get_conversation', { conversation_id: 'conv-nope' })).toMatch(/not found/);
      const { conversation_id } = await alice.ok('send_request', { target: 'bob', message: 'private' });
      const carol = await Agent.connect(coordinator.url, 'carol', kind);
      try {
        expect(await carol.fails('get_conversation', { conversation_id })).toMatch(/not a participant/);
        expect(await carol.fails('send_request', { target: 'bob', message: 'hi', conversation_id })).toMatch(
          /not a participant/,
        );
      } finally {
        await carol.close();
      }
    });
  });
});
