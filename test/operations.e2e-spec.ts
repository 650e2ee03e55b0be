import request from 'supertest';
import { Agent } from './support/mcp-clients.js';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, eventually, startCoordinator, uniquePrefix } from './support/coordinator.js';

/** The value of one sample in Prometheus text format, e.g. `c3po_requests_sent_total`. */
function sample(metrics: string, name: string): number {
  const line = metrics.split('\n').find((l) => l.startsWith(`${name} `));
  if (!line) {
    throw new Error(`no sample ${name} in:\n${metrics}`);
  }
  return Number(line.slice(name.length + 1));
}

describe('GET /metrics', () => {
  let coordinator: Coordinator;

  beforeAll(async () => {
    coordinator = await startCoordinator();
  });

  afterAll(() => coordinator.close());

  it('counts a real round trip', async () => {
    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.registered(coordinator.url, 'bob');
    try {
      const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'count me' });
      await bob.ok('wait_for_request', { timeout: 5 });
      await bob.ok('respond_to_request', { request_id, response: 'counted' });
      await alice.ok('wait_for_response', { request_id, timeout: 5 });
    } finally {
      await alice.close();
      await bob.close();
    }
    const response = await request(coordinator.url).get('/metrics').expect(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain/);
    const metrics = response.text;
    expect(sample(metrics, 'c3po_requests_sent_total')).toBe(1);
    expect(sample(metrics, 'c3po_requests_answered_total{response_status="success"}')).toBe(1);
    expect(sample(metrics, 'c3po_delivery_latency_seconds_count')).toBe(1);
    expect(sample(metrics, 'c3po_wait_duration_seconds_count{tool="wait_for_request",outcome="found"}')).toBe(1);
    expect(sample(metrics, 'c3po_wait_duration_seconds_count{tool="wait_for_response",outcome="found"}')).toBe(1);
    expect(sample(metrics, 'c3po_online_agents')).toBe(2);
    expect(sample(metrics, 'c3po_blocked_waiters')).toBe(0);
    expect(sample(metrics, 'c3po_redis_errors_total')).toBe(0);
    expect(sample(metrics, 'c3po_http_responses_total{method="POST",route="/mcp",status="200"}')).toBeGreaterThan(4);
  });
});

describe('the coordinator process', () => {
  const prefix = uniquePrefix();
  let coordinator: CoordinatorProcess | undefined;

  afterEach(() => coordinator?.kill());

  it('writes one JSON line per event with the call ids, and never a message body', async () => {
    coordinator = await CoordinatorProcess.start({ C3PO_LOG_FORMAT: 'json', C3PO_KEY_PREFIX: prefix });
    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.registered(coordinator.url, 'bob');
    const { request_id } = await alice.ok('send_request', {
      target: 'bob',
      message: 'SECRET-BODY',
      context: 'SECRET-CTX',
    });
    await bob.ok('respond_to_request', { request_id, response: 'SECRET-ANSWER' });
    await alice.close();
    await bob.close();
    const output = coordinator.output;
    await eventually(() => output.some((line) => line.includes('"respond_to_request"')), 'the answer to be logged');

    const records = output
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, string>);
    expect(records.every((r) => r.level && r.message && r.timestamp)).toBe(true);
    const calls = records.filter((r) => r.context === 'HTTP' && r.tool);
    expect(calls.find((r) => r.tool === 'send_request')).toMatchObject({
      message: expect.stringMatching(/^POST \/mcp 200 [\d.]+ms$/),
      call_id: expect.any(String),
      agent_id: 'alice',
      request_id,
      to_agent: 'bob',
      outcome: 'queued',
    });
    expect(calls.find((r) => r.tool === 'respond_to_request')).toMatchObject({
      agent_id: 'bob',
      request_id,
      outcome: 'answered',
    });
    expect(output.join('\n')).not.toMatch(/SECRET/);

    // A call the Host check refuses is logged with its own path, not the middleware's "/".
    await request(coordinator.url).get('/api/pending?limit=5').set('Host', 'evil.example').expect(403);
    await eventually(
      () => output.some((line) => line.includes('"GET /api/pending 403 ')),
      'the refused call to be logged with its path',
    );
  });

  it('attributes log lines to the right agent when calls run concurrently', async () => {
    coordinator = await CoordinatorProcess.start({ C3PO_LOG_FORMAT: 'json', C3PO_KEY_PREFIX: prefix });
    const agents = await Promise.all(
      Array.from({ length: 8 }, (_, i) => Agent.registered(coordinator!.url, `crowd-${i}`)),
    );
    await Promise.all(
      agents.map((agent, i) => agent.ok('send_request', { target: `crowd-${(i + 1) % 8}`, message: 'hi' })),
    );
    await Promise.all(agents.map((agent) => agent.close()));
    const sends = () =>
      coordinator!.output
        .filter((line) => line.includes('"send_request"'))
        .map((line) => JSON.parse(line) as Record<string, string>);
    await eventually(() => sends().length === 8, 'eight sends to be logged');
    for (const record of sends()) {
      const target = Number(/^crowd-(\d)$/.exec(record.to_agent)![1]);
      expect(record.agent_id).toBe(`crowd-${(target + 7) % 8}`);
    }
  });

  it('on SIGTERM ends blocked waits with a restart result, loses nothing and exits', async () => {
    coordinator = await CoordinatorProcess.start({ C3PO_KEY_PREFIX: prefix });
    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.registered(coordinator.url, 'bob');
    // Clients that called and now hold idle keep-alive connections, as agents between calls do.
    const idle = await Promise.all([0, 1, 2].map((i) => Agent.connect(coordinator!.url, `idle-${i}`)));
    await Promise.all(idle.map((agent) => agent.ok('list_agents')));
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'survive a restart' });
    const carol = await Agent.connect(coordinator.url, 'carol');
    const aliceWaits = alice.ok('wait_for_response', { request_id, timeout: 600 });
    const carolWaits = carol.ok('wait_for_request', { timeout: 600 });
    const metrics = async () => (await request(coordinator!.url).get('/metrics')).text;
    await eventually(async () => sample(await metrics(), 'c3po_blocked_waiters') === 2, 'both waits to block');

    const exitCode = coordinator.terminate();
    expect(await aliceWaits).toMatchObject({
      status: 'restarting',
      request_id,
      message: expect.stringMatching(/call again/),
    });
    expect(await carolWaits).toMatchObject({ status: 'restarting' });
    expect(await exitCode).toBe(0);
    await Promise.all([alice, bob, carol, ...idle].map((agent) => agent.close()));

    coordinator = await CoordinatorProcess.start({ C3PO_KEY_PREFIX: prefix });
    const bobAgain = await Agent.connect(coordinator.url, 'bob');
    const aliceAgain = await Agent.connect(coordinator.url, 'alice');
    try {
      const received = await bobAgain.ok('wait_for_request', { timeout: 5 });
      expect(received.request).toMatchObject({ request_id, message: 'survive a restart' });
      await bobAgain.ok('respond_to_request', { request_id, response: 'still here' });
      expect((await aliceAgain.ok('wait_for_response', { request_id })).response).toBe('still here');
    } finally {
      await bobAgain.close();
      await aliceAgain.close();
    }
  });
});
