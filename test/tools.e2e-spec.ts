import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

describe.each(clientKinds)('MCP tools with %s', (kind) => {
  let coordinator: Coordinator;
  let alice: Agent;
  let bob: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    alice = await Agent.connect(coordinator.url, 'alice', kind);
    bob = await Agent.connect(coordinator.url, 'bob', kind);
  });

  afterAll(async () => {
    await alice.close();
    await bob.close();
    await coordinator.close();
  });

  it('speaks the protocol revision of its generation', () => {
    expect(alice.protocolVersion).toBe(kind.startsWith('sdk-1.x') ? '2025-11-25' : '2026-07-28');
  });

  it('lists the eight tools', async () => {
    expect(await alice.listTools()).toEqual([
      'get_conversation',
      'get_pending_requests',
      'list_agents',
      'register_agent',
      'respond_to_request',
      'send_request',
      'wait_for_request',
      'wait_for_response',
    ]);
  });

  it('carries a request and its answer between two agents', async () => {
    const sent = await alice.ok('send_request', { target: 'bob', message: 'what is 2+2?', context: 'arithmetic' });
    expect(sent).toMatchObject({ status: 'queued', target_online: true });
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
  });
});
