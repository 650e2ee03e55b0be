import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

/** A JSON-RPC call of an MCP tool, as a client POSTs it to /mcp. */
function toolCall(name: string, args: Record<string, unknown>) {
  return { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } };
}

/** Whether Redis holds an agent record for `agentId`, and the agent index names it. */
async function hasRecord(coordinator: Coordinator, agentId: string): Promise<boolean> {
  const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
  const keys = coordinator.app.get(RedisKeys);
  const [exists, score] = await Promise.all([
    redis.exists(keys.agent(agentId)),
    redis.zscore(keys.agentIndex, agentId),
  ]);
  return exists === 1 && score !== null;
}

describe('agent records', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    api = request(coordinator.url);
    await api.post('/api/agents/register').set('X-Agent-ID', 'target').expect(200);
  });

  afterAll(() => coordinator.close());

  it('are not created by reads, a leave, or an MCP session that only looks', async () => {
    await api.get('/api/pending').set('X-Agent-ID', 'ghost').expect(200);
    await api.get('/api/agents').set('X-Agent-ID', 'ghost').expect(200);
    await api.post('/api/agents/leave').set('X-Agent-ID', 'ghost').send({}).expect(200);
    const looker = await Agent.connect(coordinator.url, 'ghost');
    try {
      await looker.ok('list_agents');
      await looker.ok('get_pending_requests');
      expect(await looker.ok('wait_for_request', { timeout: 0 })).toMatchObject({ status: 'timeout' });
    } finally {
      await looker.close();
    }
    expect(await hasRecord(coordinator, 'ghost')).toBe(false);
    expect(await coordinator.app.get<Redis>(REDIS_CLIENT).exists(coordinator.app.get(RedisKeys).agent('ghost'))).toBe(
      0,
    );
    const { agents } = (await api.get('/api/agents').set('X-Agent-ID', 'target').expect(200)).body;
    expect(agents.map((agent: { agent_id: string }) => agent.agent_id)).not.toContain('ghost');
  });

  it('are created by POST /api/agents/register and POST /api/requests, even right after a read', async () => {
    // A read within the same second must not let the register skip its presence write.
    await api.get('/api/pending').set('X-Agent-ID', 'rest-registered').expect(200);
    await api.post('/api/agents/register').set('X-Agent-ID', 'rest-registered').expect(200);
    await api
      .post('/api/requests')
      .set('X-Agent-ID', 'rest-sender')
      .send({ target: 'target', message: 'hello' })
      .expect(201);
    expect(await hasRecord(coordinator, 'rest-registered')).toBe(true);
    expect(await hasRecord(coordinator, 'rest-sender')).toBe(true);
  });

  it.each(clientKinds)('are created by register_agent and send_request over MCP (%s)', async (kind) => {
    const registering = await Agent.connect(coordinator.url, `mcp-registered-${clientKinds.indexOf(kind)}`, kind);
    const sending = await Agent.connect(coordinator.url, `mcp-sender-${clientKinds.indexOf(kind)}`, kind);
    try {
      expect(await hasRecord(coordinator, registering.id)).toBe(false);
      await registering.ok('register_agent');
      await sending.ok('send_request', { target: 'target', message: `hello from ${kind}` });
      expect(await hasRecord(coordinator, registering.id)).toBe(true);
      expect(await hasRecord(coordinator, sending.id)).toBe(true);
      // Now it can be sent to.
      await sending.ok('send_request', { target: registering.id, message: 'and you?' });
    } finally {
      await registering.close();
      await sending.close();
    }
  });
});

describe('C3PO_MAX_AGENTS', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;
  const FULL =
    'the coordinator already holds 3 agents (C3PO_MAX_AGENTS): no new agent ids until idle ones expire; ask the operator';

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_AGENTS: '3' });
    api = request(coordinator.url);
  });

  afterAll(() => coordinator.close());

  it('refuses a new id with 429 once the coordinator holds that many, while known ids keep working', async () => {
    for (const id of ['one', 'two', 'three']) {
      await api.post('/api/agents/register').set('X-Agent-ID', id).expect(200);
    }
    const refused = await api.post('/api/agents/register').set('X-Agent-ID', 'four').expect(429);
    expect(refused.body).toEqual({ statusCode: 429, message: FULL });
    const bySend = await api
      .post('/api/requests')
      .set('X-Agent-ID', 'five')
      .send({ target: 'one', message: 'let me in' })
      .expect(429);
    expect(bySend.body.message).toBe(FULL);
    const byTool = await api
      .post('/mcp')
      .set('X-Agent-ID', 'six')
      .set('Accept', 'application/json, text/event-stream')
      .send(toolCall('send_request', { target: 'one', message: 'let me in' }))
      .expect(429);
    expect(byTool.body.message).toBe(FULL);
    expect(await hasRecord(coordinator, 'four')).toBe(false);

    // Known agents go on as before, and a new id may still look.
    const one = await Agent.connect(coordinator.url, 'one');
    try {
      const sent = await one.ok('send_request', { target: 'two', message: 'still here?' });
      await api.post('/api/agents/register').set('X-Agent-ID', 'two').expect(200);
      expect((await api.get('/api/pending').set('X-Agent-ID', 'two').expect(200)).body.count).toBe(1);
      await one.ok('cancel_request', { request_id: sent.request_id });
    } finally {
      await one.close();
    }
    await api.get('/api/agents').set('X-Agent-ID', 'four').expect(200);

    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    await eventually(async () => {
      const entries = await redis.xrange(keys.audit, '-', '+');
      return entries.some(([, flat]) => flat.includes('refused.limit') && flat.includes('agent cap'));
    }, 'the refusal in the audit log');
  });

  it('takes a new id again once an idle agent has expired', async () => {
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    // As if 'three' was last seen longer ago than its record lives (C3PO_REQUEST_TTL_S).
    await redis.multi().del(keys.agent('three')).zadd(keys.agentIndex, 1, 'three').exec();
    await api.post('/api/agents/register').set('X-Agent-ID', 'four').expect(200);
    expect(await redis.zrange(keys.agentIndex, '0', '-1')).toEqual(expect.arrayContaining(['one', 'two', 'four']));
    expect(await redis.zcard(keys.agentIndex)).toBe(3);
    await api.post('/api/agents/register').set('X-Agent-ID', 'seven').expect(429);
  });
});

describe('an unknown target', () => {
  let coordinator: Coordinator;
  let sender: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    const api = request(coordinator.url);
    for (const id of ['billing-service', 'billing-services', 'billing-service-1', 'billing-service-2', 'backend']) {
      await api.post('/api/agents/register').set('X-Agent-ID', id).expect(200);
    }
    sender = await Agent.connect(coordinator.url, 'sender');
  });

  afterAll(async () => {
    await sender.close();
    await coordinator.close();
  });

  it('is answered with at most the 3 closest ids by edit distance, never the registry', async () => {
    expect(await sender.fails('send_request', { target: 'biling-service', message: 'hi' })).toBe(
      "agent 'biling-service' is not registered: did you mean 'billing-service', 'billing-services' or " +
        "'billing-service-1'? The request was not queued (list_agents shows who is registered)",
    );
    expect(await sender.fails('send_request', { target: 'Backend', message: 'hi' })).toMatch(
      /^agent 'Backend' is not registered: did you mean 'backend'\? /,
    );
    expect(await sender.fails('send_request', { target: 'frontend', message: 'hi' })).toBe(
      "agent 'frontend' is not registered: the request was not queued (list_agents shows who is registered)",
    );
  });
});
