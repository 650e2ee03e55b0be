import type { Redis } from 'ioredis';
import { CoordinatorProcess } from '../support/coordinator-process.ts';
import type { RedisServer } from '../support/redis-server.ts';
import type { History } from './history.ts';
import { Random, sleep } from './random.ts';
import { SimulatedAgent } from './simulated-agent.ts';

type FaultKind = 'coordinator' | 'redis' | 'pause';

export interface Cluster {
  redis: RedisServer;
  /** Starts coordinator `index` again on its port. */
  restartCoordinator(index: number): Promise<void>;
  coordinators: CoordinatorProcess[];
  /** A connection of the suite's own to Redis, for CLIENT PAUSE. */
  admin: Redis;
}

/**
 * Injects one fault at a time, at random, until told to stop: a coordinator (sometimes all of
 * them) SIGKILLed and started again, Redis SIGKILLed and started again on its append-only
 * file, or every Redis client paused for a few seconds. Kinds come in shuffled rounds, so
 * every kind happens in a run of a minute or more. Dead agent sessions run beside them.
 */
export class FaultInjector {
  private readonly cluster: Cluster;
  private readonly history: History;
  private readonly random: Random;
  private readonly log: (line: string) => void;

  constructor(cluster: Cluster, history: History, random: Random, log: (line: string) => void) {
    this.cluster = cluster;
    this.history = history;
    this.random = random;
    this.log = log;
  }

  async run(until: number): Promise<void> {
    let round: FaultKind[] = [];
    while (Date.now() < until) {
      await sleep(this.random.int(1500, 4000));
      if (Date.now() >= until) {
        break;
      }
      if (round.length === 0) {
        round = this.random.shuffle<FaultKind>(['coordinator', 'redis', 'pause']);
      }
      const kind = round.pop()!;
      try {
        await this.inject(kind);
      } catch (error) {
        // A fault that went wrong (a restart that failed) ends the run: nothing after it means much.
        throw new Error(`fault "${kind}" failed: ${(error as Error).message}`, { cause: error });
      }
    }
  }

  /** Every so often a session of a random agent takes a request and dies without answering. */
  async runDeadAgents(url: string, agents: SimulatedAgent[], until: number): Promise<void> {
    while (Date.now() < until) {
      await sleep(this.random.int(4000, 9000));
      if (Date.now() >= until) {
        break;
      }
      const victim = this.random.pick(agents);
      const taken = await SimulatedAgent.dieWithRequest(
        url,
        victim.id,
        victim.kind,
        Math.min(until, Date.now() + 8000),
      );
      if (taken) {
        this.history.faults.deadAgents++;
        this.history.takenByDead.add(taken);
        this.log(`a session of ${victim.id} took ${taken} and died without answering`);
      }
    }
  }

  private async inject(kind: FaultKind): Promise<void> {
    switch (kind) {
      case 'coordinator': {
        const count = this.cluster.coordinators.length;
        const victims = this.random.chance(0.25)
          ? Array.from({ length: count }, (_, i) => i)
          : [this.random.int(0, count - 1)];
        await Promise.all(victims.map((i) => this.cluster.coordinators[i].kill()));
        this.history.faults.coordinatorKills += victims.length;
        const downMs = this.random.int(200, 2000);
        this.log(`SIGKILL coordinator ${victims.join(' and ')}, down ${downMs} ms`);
        await sleep(downMs);
        await Promise.all(
          victims.map(async (i) => {
            await this.cluster.restartCoordinator(i);
            this.history.faults.coordinatorRestarts++;
          }),
        );
        break;
      }
      case 'redis': {
        await this.cluster.redis.stop();
        this.history.faults.redisKills++;
        const downMs = this.random.int(300, 2000);
        this.log(`SIGKILL redis-server, down ${downMs} ms`);
        await sleep(downMs);
        await this.cluster.redis.restart();
        this.history.faults.redisRestarts++;
        break;
      }
      case 'pause': {
        const ms = this.random.int(1500, 4000);
        this.log(`CLIENT PAUSE ${ms} ALL`);
        await this.cluster.admin.call('CLIENT', 'PAUSE', String(ms), 'ALL');
        this.history.faults.pauses++;
        await sleep(ms);
        break;
      }
    }
  }
}
