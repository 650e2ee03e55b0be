import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';

/**
 * Raw Redis delivery: one connection blocked in BLPOP, another LPUSHes; the time from issuing
 * LPUSH to BLPOP's reply. Both connections live in the bench process. The 1 ms pause before
 * each push makes sure the pop is already blocked, as a coordinator's waiter would be.
 */
export async function measureRedisFloor(redisUrl: string, samples: number, warmup = 100): Promise<number[]> {
  const popper = new Redis(redisUrl, { connectionName: 'c3po-bench-floor' });
  const pusher = new Redis(redisUrl, { connectionName: 'c3po-bench-floor' });
  const key = `c3po-bench-floor:${randomUUID()}`;
  const latencies: number[] = [];
  try {
    for (let i = 0; i < warmup + samples; i++) {
      const popped = popper.blpop(key, 5);
      await sleep(1);
      const started = performance.now();
      await pusher.lpush(key, 'x');
      const result = await popped;
      const elapsed = performance.now() - started;
      if (result?.[1] !== 'x') {
        throw new Error(`BLPOP returned ${JSON.stringify(result)}`);
      }
      if (i >= warmup) {
        latencies.push(elapsed);
      }
    }
  } finally {
    await pusher.del(key);
    popper.disconnect();
    pusher.disconnect();
  }
  return latencies;
}
