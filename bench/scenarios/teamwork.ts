import { BenchAgent, closeAgents, connectAgents, type Endpoint } from '../support/bench-agent.ts';
import { recordError } from '../support/stats.ts';

export interface ClaimsResult {
  tasks: number;
  workers: number;
  /** create_task × tasks from the creators, wall time, s. */
  createSeconds: number;
  /** First claim issued → the last worker finds the board empty, s. */
  claimSeconds: number;
  claims: number;
  claimsPerSecond: number;
  /** claim_task durations, ms. */
  claimLatencies: number[];
  /** Tasks the board counts as done at the end; tasks claimed twice (must be none). */
  done: number;
  claimedTwice: number;
  errors: number;
  errorSamples: string[];
}

/**
 * `workers` agents drain a board of `tasks` tasks: each loops claim_task (the best available) →
 * complete_task until claim_task finds nothing. Claims per second is claims over the time from
 * the first claim to the board's last; each claim is followed by its completion, as a worker's is.
 */
export async function measureClaims(
  coordinator: Endpoint,
  tag: string,
  options: { tasks: number; workers: number },
): Promise<ClaimsResult> {
  const board = `${tag}-claims`.toLowerCase();
  const creators = await connectAgents(
    coordinator,
    [0, 1, 2, 3].map((i) => `${tag}-creator-${i}`),
  );
  const workers = await connectAgents(
    coordinator,
    Array.from({ length: options.workers }, (_, i) => `${tag}-worker-${i}`),
  );
  const result: ClaimsResult = {
    tasks: options.tasks,
    workers: workers.length,
    createSeconds: 0,
    claimSeconds: 0,
    claims: 0,
    claimsPerSecond: 0,
    claimLatencies: [],
    done: 0,
    claimedTwice: 0,
    errors: 0,
    errorSamples: [],
  };
  try {
    let created = 0;
    const createStart = performance.now();
    await Promise.all(
      creators.map(async (creator) => {
        while (created < options.tasks) {
          const n = created++;
          await creator.call('create_task', {
            board,
            title: `task ${n}`,
            description: `bench task ${n}`,
            priority: 1 + (n % 10),
          });
        }
      }),
    );
    result.createSeconds = (performance.now() - createStart) / 1000;

    const claimedBy = new Map<string, string>();
    const claimStart = performance.now();
    await Promise.all(
      workers.map(async (worker) => {
        for (;;) {
          try {
            const started = performance.now();
            const claimed = await worker.call('claim_task', { board });
            result.claimLatencies.push(performance.now() - started);
            if (claimed.task === null) {
              return;
            }
            result.claims++;
            const taskId = claimed.task.task_id as string;
            if (claimedBy.has(taskId)) {
              result.claimedTwice++;
            }
            claimedBy.set(taskId, worker.id);
            await worker.call('complete_task', { task_id: taskId, result: 'done' });
          } catch (error) {
            recordError(result, error);
            if (result.errors > 20) {
              return;
            }
          }
        }
      }),
    );
    result.claimSeconds = (performance.now() - claimStart) / 1000;
    result.claimsPerSecond = Math.round(result.claims / result.claimSeconds);
    const summary = await creators[0].call('get_board', { board });
    result.done = (summary.counts as Record<string, number>).done;
  } finally {
    await closeAgents([...creators, ...workers]);
  }
  return result;
}

export interface PublishResult {
  /** publish issued → the receiver's check_messages (issued when publish returned) holds it, ms. */
  direct: number[];
  /** publish to a topic with `subscribers` subscribers: the publish call itself (its fan-out), ms. */
  fanOut: number[];
  subscribers: number;
  /** Subscribers that found the last topic message in their mailbox (must be all). */
  fanOutReceived: number;
  errors: number;
  errorSamples: string[];
}

/**
 * Publish → receive. Direct: one publisher sends a message to one receiver, which checks its
 * mailbox as soon as the publish returns; timed from publish issued to check_messages returning
 * it. Fan-out: a publish to a topic with `subscribers` subscribers, timed alone.
 */
export async function measurePublish(
  coordinator: Endpoint,
  tag: string,
  options: { samples: number; subscribers: number },
): Promise<PublishResult> {
  const publisher = await BenchAgent.connect(coordinator, `${tag}-publisher`);
  const receiver = await BenchAgent.connect(coordinator, `${tag}-receiver`);
  const subscribers = await connectAgents(
    coordinator,
    Array.from({ length: options.subscribers }, (_, i) => `${tag}-subscriber-${i}`),
  );
  const topic = `${tag}-topic`.toLowerCase();
  const result: PublishResult = {
    direct: [],
    fanOut: [],
    subscribers: subscribers.length,
    fanOutReceived: 0,
    errors: 0,
    errorSamples: [],
  };
  try {
    await receiver.call('register_agent', { description: 'bench message receiver' });
    await Promise.all(subscribers.map((subscriber) => subscriber.call('subscribe', { topic })));
    const warmup = 20;
    for (let i = 0; i < warmup + options.samples; i++) {
      try {
        const started = performance.now();
        const sent = await publisher.call('publish', {
          to: receiver.id,
          type: 'NOTIFICATION',
          subject: `sample ${i}`,
          body: 'bench',
        });
        const mailbox = await receiver.call('check_messages', { limit: 1 });
        const ended = performance.now();
        if ((mailbox.messages as { id: string }[])[0]?.id !== sent.id) {
          throw new Error(`check_messages did not return ${sent.id}: ${JSON.stringify(mailbox).slice(0, 200)}`);
        }
        if (i >= warmup) {
          result.direct.push(ended - started);
        }
      } catch (error) {
        recordError(result, error);
      }
    }
    for (let i = 0; i < warmup + options.samples; i++) {
      try {
        const started = performance.now();
        await publisher.call('publish', { topic, type: 'NOTIFICATION', subject: `fan-out ${i}`, body: 'bench' });
        if (i >= warmup) {
          result.fanOut.push(performance.now() - started);
        }
      } catch (error) {
        recordError(result, error);
      }
    }
    // The most urgent message comes first in every mailbox, ahead of the samples.
    const last = await publisher.call('publish', {
      topic,
      type: 'NOTIFICATION',
      subject: 'last',
      body: 'bench',
      priority: 10,
    });
    const firsts = await Promise.all(subscribers.map((subscriber) => subscriber.call('check_messages', { limit: 1 })));
    result.fanOutReceived = firsts.filter(
      (mailbox) => (mailbox.messages as { id: string }[])[0]?.id === last.id,
    ).length;
  } finally {
    await closeAgents([publisher, receiver, ...subscribers]);
  }
  return result;
}
