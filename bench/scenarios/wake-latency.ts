import { recordError } from '../support/stats.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchAgent, type Endpoint } from '../support/bench-agent.ts';

export interface WakeLatencyResult {
  /** send_request issued → the blocked wait_for_request's result in the receiver's hands. */
  wake: number[];
  /** send_request issued → its own result (the sender's view of the same send). */
  send: number[];
  errors: number;
  errorSamples: string[];
}

/**
 * Time between a sender issuing send_request and a receiver's already blocked
 * wait_for_request returning that request. The receiver re-issues its wait and is given
 * `settleMs` to block in the coordinator before each send (a wait takes about 1 ms to reach
 * its blocked state); without the pause the wait could find the request already queued, which
 * would measure the fast path, not a wake-up.
 */
export async function measureWakeLatency(
  coordinator: Endpoint,
  tag: string,
  samples: number,
  options: { warmup?: number; settleMs?: number } = {},
): Promise<WakeLatencyResult> {
  const warmup = options.warmup ?? 100;
  const settleMs = options.settleMs ?? 5;
  const sender = await BenchAgent.connect(coordinator, `${tag}-wake-sender`);
  const receiver = await BenchAgent.connect(coordinator, `${tag}-wake-receiver`);
  const result: WakeLatencyResult = { wake: [], send: [], errors: 0, errorSamples: [] };
  try {
    // A send to an agent that has never made a call is rejected: make the receiver known.
    await receiver.call('register_agent', { description: 'bench wake-latency receiver' });
    for (let i = 0; i < warmup + samples; i++) {
      const cancel = new AbortController();
      const waiting = receiver.call('wait_for_request', { timeout: 60 }, cancel.signal);
      waiting.catch(() => undefined);
      try {
        await sleep(settleMs);
        const started = performance.now();
        let sendElapsed = 0;
        const sent = sender.call('send_request', { target: receiver.id, message: `wake ${i}` }).then((value) => {
          sendElapsed = performance.now() - started;
          return value;
        });
        sent.catch(() => undefined);
        const received = await waiting;
        const wakeElapsed = performance.now() - started;
        const { request_id } = await sent;
        if (received.status !== 'received' || received.request?.request_id !== request_id) {
          throw new Error(`wait_for_request returned ${JSON.stringify(received).slice(0, 200)}`);
        }
        if (i >= warmup) {
          result.wake.push(wakeElapsed);
          result.send.push(sendElapsed);
        }
      } catch (error) {
        cancel.abort();
        recordError(result, error);
      }
    }
  } finally {
    await sender.close();
    await receiver.close();
  }
  return result;
}
