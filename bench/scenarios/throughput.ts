import { recordError } from '../support/stats.ts';
import { BenchAgent, closeAgents, connectAgents, type Endpoint } from '../support/bench-agent.ts';

export interface ThroughputOptions {
  pairs: number;
  warmupSeconds: number;
  durationSeconds: number;
  /** Called when the measured window opens and closes (to read CPU counters). */
  onWindow?: (edge: 'start' | 'end') => Promise<void> | void;
}

export interface ThroughputResult {
  pairs: number;
  agents: number;
  measuredSeconds: number;
  roundTrips: number;
  roundTripsPerSecond: number;
  /** Round-trip durations completed inside the measured window, ms. */
  latencies: number[];
  errors: number;
  errorSamples: string[];
}

/**
 * `pairs` sender/receiver pairs. Each sender loops full round trips — send_request, then
 * wait_for_response — while its receiver loops wait_for_request → respond_to_request. A round
 * trip is timed from issuing send_request to wait_for_response returning the answer. Round trips
 * that complete inside the measured window count (and give the latency samples); those that
 * complete during the warm-up before it do not. An error is any
 * failed call or unexpected result on either side; the loop goes on after one.
 */
export async function measureThroughput(
  coordinator: Endpoint,
  tag: string,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const senderIds = Array.from({ length: options.pairs }, (_, i) => `${tag}-tp-sender-${i}`);
  const receiverIds = Array.from({ length: options.pairs }, (_, i) => `${tag}-tp-receiver-${i}`);
  const senders = await connectAgents(coordinator, senderIds);
  const receivers = await connectAgents(coordinator, receiverIds);
  const result: ThroughputResult = {
    pairs: options.pairs,
    agents: senders.length + receivers.length,
    measuredSeconds: options.durationSeconds,
    roundTrips: 0,
    roundTripsPerSecond: 0,
    latencies: [],
    errors: 0,
    errorSamples: [],
  };
  const fail = (error: unknown) => recordError(result, error);
  try {
    await Promise.all(receivers.map((receiver) => receiver.call('register_agent', { description: 'bench receiver' })));

    const stopReceivers = new AbortController();
    const receiving = receivers.map((receiver) => receiveLoop(receiver, stopReceivers.signal, fail));

    const warmupEnd = performance.now() + options.warmupSeconds * 1000;
    const windowEnd = warmupEnd + options.durationSeconds * 1000;
    const windowOpened = sleepUntil(warmupEnd).then(() => options.onWindow?.('start'));
    const sending = senders.map(async (sender, i) => {
      const target = receivers[i].id;
      let n = 0;
      while (performance.now() < windowEnd) {
        const started = performance.now();
        try {
          const sent = await sender.call('send_request', { target, message: `round trip ${n++}` });
          const answer = await sender.call('wait_for_response', { request_id: sent.request_id, timeout: 60 });
          if (answer.status !== 'answered' || answer.response !== `ok ${sent.request_id}`) {
            throw new Error(`wait_for_response returned ${JSON.stringify(answer).slice(0, 200)}`);
          }
          const ended = performance.now();
          if (ended >= warmupEnd && ended <= windowEnd) {
            result.latencies.push(ended - started);
          }
        } catch (error) {
          fail(error);
        }
      }
    });
    await windowOpened;
    await sleepUntil(windowEnd);
    await options.onWindow?.('end');
    await Promise.all(sending);
    stopReceivers.abort();
    await Promise.all(receiving);
  } finally {
    await closeAgents([...senders, ...receivers]);
  }
  result.roundTrips = result.latencies.length;
  result.roundTripsPerSecond = Math.round((result.roundTrips / options.durationSeconds) * 10) / 10;
  return result;
}

async function receiveLoop(receiver: BenchAgent, stop: AbortSignal, fail: (error: unknown) => void): Promise<void> {
  while (!stop.aborted) {
    try {
      const got = await receiver.call('wait_for_request', { timeout: 60 }, stop);
      if (got.status === 'timeout') {
        continue;
      }
      if (got.status !== 'received') {
        throw new Error(`wait_for_request returned ${JSON.stringify(got).slice(0, 200)}`);
      }
      const requestId = got.request.request_id as string;
      await receiver.call('respond_to_request', { request_id: requestId, response: `ok ${requestId}` });
    } catch (error) {
      if (!stop.aborted) {
        fail(error);
      }
    }
  }
}

function sleepUntil(deadline: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - performance.now())));
}
