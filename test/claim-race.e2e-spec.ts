import { CoordinatorProcess } from './support/coordinator-process.js';
import { uniquePrefix, NO_RECHECK_MS } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';

const REQUESTS = 200;
const WAITERS_PER_PROCESS = 8;

describe('claims across two coordinator processes', () => {
  let processes: CoordinatorProcess[] = [];

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.terminate()));
  });

  it('hands every request to exactly one of many waits, whichever process serves them', async () => {
    const env = {
      C3PO_KEY_PREFIX: uniquePrefix(),
      C3PO_WAIT_RECHECK_MS: NO_RECHECK_MS,
      // Each sender sends REQUESTS / 2 at once, past the default 60 a minute.
      C3PO_SENDS_PER_MINUTE: String(REQUESTS),
      // One agent, 'worker', blocked in many waits at once: past the default 10.
      C3PO_MAX_WAITS_PER_AGENT: String(2 * WAITERS_PER_PROCESS),
    };
    processes = await Promise.all([CoordinatorProcess.start(env), CoordinatorProcess.start(env)]);
    const workers = await Promise.all(
      processes.flatMap((p) => Array.from({ length: WAITERS_PER_PROCESS }, () => Agent.connect(p.url, 'worker'))),
    );
    await workers[0].ok('register_agent');
    const senders = await Promise.all(processes.map((p, i) => Agent.connect(p.url, `boss-${i}`)));
    const received: string[] = [];
    let sent = 0;
    try {
      // Every waiter loops until all requests were received; sends go through both processes at once.
      const giveUp = Date.now() + 20_000;
      const waiting = workers.map(async (worker) => {
        while (received.length < REQUESTS && Date.now() < giveUp) {
          const result = await worker.ok('wait_for_request', { timeout: 2 });
          if (result.status === 'received') {
            received.push(result.request.request_id as string);
          }
        }
      });
      const ids = await Promise.all(
        Array.from({ length: REQUESTS }, async (_, i) => {
          const sender = senders[i % senders.length];
          const { request_id } = await sender.ok('send_request', { target: 'worker', message: `job ${i}` });
          sent++;
          return request_id as string;
        }),
      );
      await Promise.all(waiting);
      expect(sent).toBe(REQUESTS);
      expect([...received].sort()).toEqual([...ids].sort());
      expect(new Set(received).size).toBe(REQUESTS);
    } finally {
      await Promise.all([...workers, ...senders].map((agent) => agent.close()));
    }
  });
});
