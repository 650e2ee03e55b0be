import { recordError } from '../support/stats.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchAgent, closeAgents, connectAgents, type Endpoint } from '../support/bench-agent.ts';
import { socketsTo } from '../support/machine.ts';
import { scrapeMetric } from '../support/metrics-scrape.ts';
import type { RedisClients } from '../support/redis-probe.ts';

export interface ScaleObservers {
  rssMb(): number | null;
  redisClients(): Promise<RedisClients | null>;
}

export interface ScaleSnapshot {
  /** wait_for_request calls still in flight (issued, not returned). */
  blocked: number;
  /** Blocked waits by the coordinator's own count (c3po_blocked_waiters), when it exports one. */
  blockedPerCoordinator: number | null;
  /** V8 heap in use (c3po_nodejs_heap_size_used_bytes), MB, when exported. */
  heapUsedMb: number | null;
  /** Established client sockets to the coordinator's port. */
  sockets: number | null;
  rssMb: number | null;
  redisClients: RedisClients | null;
}

export interface ScaleResult {
  waiters: number;
  /** Before any wait was issued (agents connected, nothing blocked). */
  idle: ScaleSnapshot;
  /** With every waiter blocked. */
  blocked: ScaleSnapshot;
  /** Wake latency of individual blocked agents while the others stay blocked, ms. */
  wake: number[];
  /** Waits that returned before they were woken or released: they were not blocked. */
  returnedEarly: number;
  errors: number;
  errorSamples: string[];
}

export interface ScaleOptions {
  waiters: number;
  /** How many of the blocked agents to wake one by one, spread across them. */
  wakeSamples: number;
  observe: ScaleObservers;
}

/**
 * `waiters` agents each blocked in wait_for_request (timeout 60 s), every one on its own HTTP
 * connection. Snapshots the coordinator (RSS, Redis connections, sockets) with all of them
 * blocked, wakes a few one at a time by sending to them, then releases the rest by aborting
 * their calls, which closes their connections (the coordinator drops the wait on close).
 */
export async function measureScale(coordinator: Endpoint, tag: string, options: ScaleOptions): Promise<ScaleResult> {
  const url = coordinator.url;
  const port = Number(new URL(url).port);
  const ids = Array.from({ length: options.waiters }, (_, i) => `${tag}-blocked-${i}`);
  const sender = await BenchAgent.connect(coordinator, `${tag}-scale-sender`);
  const agents = await connectAgents(coordinator, ids);
  // Only a registered agent can be sent to, so every one registers, as a session does at its start.
  for (let start = 0; start < agents.length; start += 100) {
    await Promise.all(
      agents.slice(start, start + 100).map((agent) => agent.call('register_agent', { description: 'bench waiter' })),
    );
  }
  const result: ScaleResult = {
    waiters: options.waiters,
    idle: await snapshot(url, 0, options.observe),
    blocked: {
      blocked: 0,
      blockedPerCoordinator: null,
      heapUsedMb: null,
      sockets: null,
      rssMb: null,
      redisClients: null,
    },
    wake: [],
    returnedEarly: 0,
    errors: 0,
    errorSamples: [],
  };
  const fail = (error: unknown) => recordError(result, error);

  const release = new AbortController();
  let inFlight = 0;
  const woken = new Set<number>();
  const returnedAt: number[] = [];
  const waits: Promise<Record<string, any> | undefined>[] = [];
  try {
    // In batches, so connection set-up does not overrun the server's accept backlog.
    for (let start = 0; start < agents.length; start += 100) {
      for (const [offset, agent] of agents.slice(start, start + 100).entries()) {
        const index = start + offset;
        inFlight++;
        waits[index] = agent.call('wait_for_request', { timeout: 60 }, release.signal).then(
          (value) => {
            returnedAt[index] = performance.now();
            inFlight--;
            if (!woken.has(index)) {
              result.returnedEarly++;
            }
            return value;
          },
          (error: unknown) => {
            inFlight--;
            if (!release.signal.aborted) {
              fail(error);
            }
            return undefined;
          },
        );
      }
      await sleep(50);
    }
    // Every request on the wire, then: the coordinator's own count of blocked waits where it
    // exports one; otherwise one more call through the same server queue and a pause.
    const until = Date.now() + 15_000;
    while ((socketsTo(port) ?? Infinity) < options.waiters && Date.now() < until) {
      await sleep(100);
    }
    await sender.call('register_agent', { description: 'bench scale sender' });
    let parked = await scrapeMetric(url, 'c3po_blocked_waiters');
    if (parked === null) {
      await sleep(1000);
    }
    while (parked !== null && parked < options.waiters && Date.now() < until) {
      await sleep(100);
      parked = await scrapeMetric(url, 'c3po_blocked_waiters');
    }
    result.blocked = await snapshot(url, inFlight, options.observe);

    const step = Math.max(1, Math.floor(options.waiters / options.wakeSamples));
    for (let index = 0; index < options.waiters && result.wake.length < options.wakeSamples; index += step) {
      woken.add(index);
      const started = performance.now();
      try {
        const sent = await sender.call('send_request', { target: ids[index], message: 'wake up' });
        const received = await waits[index];
        // When the wait itself returned, which may be before send_request's own reply arrived.
        const elapsed = returnedAt[index] - started;
        if (received?.status !== 'received' || received.request?.request_id !== sent.request_id) {
          throw new Error(`wait_for_request returned ${JSON.stringify(received).slice(0, 200)}`);
        }
        result.wake.push(elapsed);
      } catch (error) {
        fail(error);
      }
    }
  } finally {
    release.abort();
    await Promise.all(waits);
    await closeAgents([sender, ...agents]);
  }
  return result;
}

async function snapshot(url: string, blocked: number, observe: ScaleObservers): Promise<ScaleSnapshot> {
  const heap = await scrapeMetric(url, 'c3po_nodejs_heap_size_used_bytes');
  return {
    blocked,
    blockedPerCoordinator: await scrapeMetric(url, 'c3po_blocked_waiters'),
    heapUsedMb: heap === null ? null : Math.round((heap / 1048576) * 10) / 10,
    sockets: socketsTo(Number(new URL(url).port)),
    rssMb: observe.rssMb(),
    redisClients: await observe.redisClients(),
  };
}
