import { join } from 'node:path';
import { loadavg } from 'node:os';
import { RedisServer } from '../../test/support/redis-server.ts';
import { measureSequentialCalls } from '../scenarios/call-overhead.ts';
import { measureThroughput } from '../scenarios/throughput.ts';
import { BenchAgent } from './bench-agent.ts';
import { benchCacheDir, benchMain, CoordinatorProcess, ensureBuilt, startFlags } from './coordinator-process.ts';
import { round, summarize } from './stats.ts';

/** One coordinator of the two: how it differs from the other. */
export interface SideSpec {
  name: string;
  nodeFlags?: string;
  keys?: boolean;
}

export interface CompareOptions {
  rounds: number;
  /** Sequential list_agents calls per block. */
  calls: number;
  /** Measured seconds per throughput block. */
  seconds: number;
  pairs: number;
}

/** The options every comparison script takes, for node:util parseArgs. */
export const compareArgs = {
  rounds: { type: 'string', default: '6' },
  calls: { type: 'string', default: '500' },
  seconds: { type: 'string', default: '4' },
  pairs: { type: 'string', default: '50' },
} as const;

export function compareOptions(values: Record<keyof typeof compareArgs, string>): CompareOptions {
  return {
    rounds: Number(values.rounds),
    calls: Number(values.calls),
    seconds: Number(values.seconds),
    pairs: Number(values.pairs),
  };
}

interface Side extends SideSpec {
  coordinator: CoordinatorProcess;
  latencies: number[];
  cpuPerCall: number[];
  cpuPerRoundTrip: number[];
  rate: number[];
}

const median = (list: number[]) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];

/**
 * Two coordinators side by side on one Redis, taking turns so that the machine's drift hits both
 * alike: one run after another cannot tell a 10% difference from the drift (the floor itself
 * moved by a third across one afternoon). First `rounds` rounds of call overhead (one registered
 * client calling list_agents back to back, each side one block a round), then `rounds` of the
 * throughput load; the order flips every round. Calls come first so list_agents lists the
 * same one agent on both sides, not the agents the throughput blocks leave behind.
 */
export async function compareSides(specs: [SideSpec, SideSpec], options: CompareOptions): Promise<void> {
  ensureBuilt(false);
  console.log(`load average (1 min) before: ${round(loadavg()[0], 2)}`);
  const redis = await RedisServer.start();
  const sides: Side[] = [];
  try {
    for (const spec of specs) {
      const coordinator = await CoordinatorProcess.start({
        main: benchMain,
        redisUrl: redis.url,
        prefix: `compare-${spec.name}`,
        logFile: join(benchCacheDir, 'logs', `compare-${spec.name}.log`),
        nodeFlags: spec.nodeFlags,
        keys: spec.keys,
      });
      sides.push({ ...spec, coordinator, latencies: [], cpuPerCall: [], cpuPerRoundTrip: [], rate: [] });
      console.log(
        `${spec.name}: node ${[...startFlags(), spec.nodeFlags].filter(Boolean).join(' ')}, API keys ${spec.keys ? "on (one for '*', sent with every call)" : 'off'}`,
      );
    }
    const inTurns = async (measure: (side: Side, round: number) => Promise<string>) => {
      for (let round = 0; round < options.rounds; round++) {
        const lines: string[] = [];
        for (const side of round % 2 === 0 ? sides : [...sides].reverse()) {
          lines.push(`${side.name} ${await measure(side, round)}`);
        }
        console.log(`round ${round + 1}: ${lines.join('  ')}`);
      }
    };

    console.log(`call overhead: ${options.calls} sequential list_agents a block`);
    const callers = await Promise.all(sides.map((side) => BenchAgent.connect(side.coordinator, 'caller')));
    // A session registers at its start; unregistered, each call would also pay a presence write.
    await Promise.all(callers.map((caller) => caller.call('register_agent', { description: 'bench caller' })));
    await inTurns(async (side, round) => {
      const block = await measureSequentialCalls(
        callers[sides.indexOf(side)],
        'list_agents',
        options.calls,
        round === 0 ? 500 : 50,
        () => side.coordinator.cpuMs(),
      );
      side.latencies.push(...block.latencies);
      side.cpuPerCall.push(block.serverCpuMs ?? NaN);
      return `p50 ${summarize(block.latencies).p50.toFixed(2)} ms ${block.serverCpuMs?.toFixed(3)} ms CPU/call`;
    });
    await Promise.all(callers.map((caller) => caller.close()));

    console.log(`throughput: ${options.pairs} pairs, ${options.seconds} s a block`);
    await inTurns(async (side, round) => {
      let cpuAtStart = NaN;
      let cpuAtEnd = NaN;
      const run = await measureThroughput(side.coordinator, `r${round}`, {
        pairs: options.pairs,
        warmupSeconds: 1,
        durationSeconds: options.seconds,
        onWindow: (edge) => {
          if (edge === 'start') {
            cpuAtStart = side.coordinator.cpuMs() ?? NaN;
          } else {
            cpuAtEnd = side.coordinator.cpuMs() ?? NaN;
          }
        },
      });
      if (run.errors > 0) {
        throw new Error(`${side.name}: ${run.errors} errors, first: ${run.errorSamples[0]}`);
      }
      side.cpuPerRoundTrip.push((cpuAtEnd - cpuAtStart) / run.roundTrips);
      side.rate.push(run.roundTripsPerSecond);
      return `${side.cpuPerRoundTrip.at(-1)!.toFixed(3)} ms/rt ${run.roundTripsPerSecond}/s`;
    });

    for (const side of sides) {
      const calls = summarize(side.latencies);
      console.log(
        `${side.name}: list_agents p50 ${calls.p50} ms p99 ${calls.p99} ms (${calls.count}), median ${median(side.cpuPerCall).toFixed(3)} ms CPU per call; ` +
          `median ${median(side.cpuPerRoundTrip).toFixed(3)} ms CPU per round trip, ${median(side.rate)} round trips/s; RSS now ${side.coordinator.rssMb()} MB`,
      );
    }
    const [a, b] = sides;
    const ratio = (pick: (side: Side) => number) => (pick(b) / pick(a)).toFixed(3);
    const more = (pick: (side: Side) => number[]) => pick(b).filter((value, i) => value > pick(a)[i]).length;
    console.log(
      `${b.name}/${a.name}: list_agents p50 ${ratio((side) => summarize(side.latencies).p50)}, ` +
        `CPU per call ${ratio((side) => median(side.cpuPerCall))} (${b.name} used more in ${more((side) => side.cpuPerCall)} of ${options.rounds} rounds), ` +
        `CPU per round trip ${ratio((side) => median(side.cpuPerRoundTrip))} (${more((side) => side.cpuPerRoundTrip)} of ${options.rounds}), ` +
        `round trips/s ${ratio((side) => median(side.rate))}`,
    );
    console.log(`load average (1 min) after: ${round(loadavg()[0], 2)}`);
  } finally {
    for (const side of sides) {
      await side.coordinator.stop();
    }
    await redis.stop();
  }
}
