import { CoordinatorProcess } from './support/coordinator-process.js';
import { Coordinator, NO_RECHECK_MS, startCoordinator, uniquePrefix } from './support/coordinator.js';
import { Agent, clientKinds } from './support/mcp-clients.js';

const AGENTS = 50;

/** A broadcast's figures, printed for the closing note of the issue. */
const figures: string[] = [];
const timed = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  const result = await run();
  figures.push(`${what}: ${Math.round(performance.now() - started)} ms`);
  return result;
};

/**
 * The broadcast race: 50 registered agents, half on a coordinator process of its own and
 * half on one in this process (one key prefix, one Redis), both MCP client generations, all
 * reading and acking at once.
 */
describe('a broadcast to 50 agents across two coordinator processes', () => {
  let remote: CoordinatorProcess;
  let local: Coordinator;
  let leader: Agent;
  let agents: Agent[] = [];

  beforeAll(async () => {
    const env = { C3PO_KEY_PREFIX: uniquePrefix(), C3PO_WAIT_RECHECK_MS: NO_RECHECK_MS };
    [remote, local] = await Promise.all([CoordinatorProcess.start(env), startCoordinator(env)]);
    const urls = [remote.url, local.url];
    leader = await Agent.registered(local.url, 'leader');
    agents = await Promise.all(
      Array.from({ length: AGENTS }, (_, i) =>
        Agent.registered(urls[i % 2], `worker-${String(i).padStart(2, '0')}`, clientKinds[Math.floor(i / 2) % 2]),
      ),
    );
  });

  afterAll(async () => {
    await Promise.all([leader, ...agents].map((agent) => agent.close()));
    await Promise.all([remote.terminate(), local.close()]);
    console.log(`broadcast to ${AGENTS} agents over two processes:\n${figures.join('\n')}`);
  });

  it('reaches each agent exactly once, however many reads race', async () => {
    const sent = await timed('publish to "*" (no ack)', () =>
      leader.ok('publish', { to: '*', type: 'NOTIFICATION', subject: 'freeze at 5', body: 'no merges after 5 pm' }),
    );
    expect(sent.delivered_to).toBe(AGENTS);
    // Two reads per agent at once, all agents at once: one of each pair gets it, the other nothing.
    const reads = await timed(`${2 * AGENTS} concurrent check_messages`, () =>
      Promise.all(agents.map((agent) => Promise.all([agent.ok('check_messages'), agent.ok('check_messages')]))),
    );
    reads.forEach((pair) => {
      expect(pair.flatMap((read) => read.messages.map((m: { id: string }) => m.id))).toEqual([sent.id]);
    });
  });

  it('counts exactly 50 acks when all ack at once, and brings the sender 50 ACKs', async () => {
    const sent = await timed('publish to "*" (ack_required)', () =>
      leader.ok('publish', {
        to: '*',
        type: 'CONTRACT_CHANGE_PROPOSED',
        subject: 'v2 of the API',
        body: 'ack when you have read it',
        ack_required: true,
      }),
    );
    expect(sent.delivered_to).toBe(AGENTS);

    // Shown to each agent exactly once as new, then again as shown: it waits for the ack.
    const reads = await timed(`${2 * AGENTS} concurrent check_messages`, () =>
      Promise.all(agents.map((agent) => Promise.all([agent.ok('check_messages'), agent.ok('check_messages')]))),
    );
    reads.forEach((pair) => {
      const seen = pair.flatMap((read) => read.messages as { id: string; shown?: true }[]);
      expect(seen.map((m) => m.id)).toEqual([sent.id, sent.id]);
      expect(seen.filter((m) => m.shown === undefined)).toHaveLength(1);
    });

    const acks = await timed(`${AGENTS} concurrent ack_message`, () =>
      Promise.all(agents.map((agent) => agent.ok('ack_message', { id: sent.id, comment: `read by ${agent.id}` }))),
    );
    // Each ack counted once, in some order: 1, 2, …, 50.
    expect(acks.map((ack) => ack.acks as number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: AGENTS }, (_, i) => i + 1),
    );
    expect(acks.every((ack) => ack.sender_notified === true)).toBe(true);
    const late = await Promise.all(agents.map((agent) => agent.ok('ack_message', { id: sent.id })));
    expect(late.every((ack) => ack.duplicate === true && ack.acks === AGENTS)).toBe(true);

    const [entry] = (await leader.ok('get_timeline', { type: 'CONTRACT_CHANGE_PROPOSED' })).messages;
    expect(entry).toMatchObject({ id: sent.id, delivered_to: AGENTS, acks: AGENTS });
    expect(entry.acked_by).toHaveLength(10);

    const ackMessages = (await leader.ok('check_messages', { type: 'ACK', limit: 100 })).messages as {
      from: string;
      correlation_id: string;
      body: string;
    }[];
    expect(ackMessages).toHaveLength(AGENTS);
    expect(new Set(ackMessages.map((m) => m.from)).size).toBe(AGENTS);
    expect(ackMessages.every((m) => m.correlation_id === sent.id && m.body === `read by ${m.from}`)).toBe(true);
    figures.push(`acks counted: ${entry.acks}; ACK messages the sender got: ${ackMessages.length}`);
    // Acked, it left every mailbox.
    const after = await Promise.all(agents.map((agent) => agent.ok('check_messages')));
    expect(after.every((read) => read.messages.length === 0 && read.remaining === 0)).toBe(true);
  });
});
