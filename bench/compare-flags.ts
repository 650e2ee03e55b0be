/**
 * Compares two sets of Node/V8 flags for the coordinator under the throughput load, with the
 * machine's drift taken out: both coordinators run side by side on one Redis, and they take
 * turns, one throughput block each per round, the order flipping every round. Prints the
 * coordinator CPU per round trip and round trips/s of every block, the medians, and B/A.
 *
 *   node bench/compare-flags.ts --b="--heap-growing-percent=0" [--a="..."] [--rounds 6]
 *
 * Each side runs with npm start's flags followed by its own (a later flag wins), so
 * `--b="--max-semi-space-size=0 --heap-growing-percent=0"` is V8's defaults against npm start.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { RedisServer } from '../test/support/redis-server.ts';
import {
  benchCacheDir,
  benchMain,
  CoordinatorProcess,
  ensureBuilt,
  startFlags,
} from './support/coordinator-process.ts';
import { measureThroughput } from './scenarios/throughput.ts';

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: '' },
    b: { type: 'string', default: '' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '4' },
    pairs: { type: 'string', default: '50' },
  },
  strict: true,
});
const rounds = Number(values.rounds);

ensureBuilt(false);
const redis = await RedisServer.start();
const sides: { name: string; flags: string; coordinator?: CoordinatorProcess; cpu: number[]; rate: number[] }[] = [
  { name: 'A', flags: values.a, cpu: [], rate: [] },
  { name: 'B', flags: values.b, cpu: [], rate: [] },
];
const median = (list: number[]) => [...list].sort((x, y) => x - y)[Math.floor(list.length / 2)];
try {
  for (const side of sides) {
    side.coordinator = await CoordinatorProcess.start({
      main: benchMain,
      redisUrl: redis.url,
      prefix: `compare-${side.name}`,
      logFile: join(benchCacheDir, 'logs', `compare-${side.name}.log`),
      nodeFlags: side.flags,
    });
    console.log(`${side.name}: node ${[...startFlags(), side.flags].filter(Boolean).join(' ')}`);
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? sides : [...sides].reverse();
    for (const side of order) {
      const coordinator = side.coordinator!;
      let cpuAtStart = 0;
      let cpuAtEnd = 0;
      const run = await measureThroughput(coordinator.url, `r${round}`, {
        pairs: Number(values.pairs),
        warmupSeconds: 1,
        durationSeconds: Number(values.seconds),
        onWindow: (edge) => {
          if (edge === 'start') {
            cpuAtStart = coordinator.cpuMs() ?? NaN;
          } else {
            cpuAtEnd = coordinator.cpuMs() ?? NaN;
          }
        },
      });
      if (run.errors > 0) {
        throw new Error(`${side.name}: ${run.errors} errors, first: ${run.errorSamples[0]}`);
      }
      side.cpu.push((cpuAtEnd - cpuAtStart) / run.roundTrips);
      side.rate.push(run.roundTripsPerSecond);
    }
    console.log(
      `round ${round + 1}: ${sides.map((s) => `${s.name} ${s.cpu.at(-1)!.toFixed(3)} ms/rt ${s.rate.at(-1)}/s`).join('  ')}`,
    );
  }
  for (const side of sides) {
    console.log(
      `${side.name}: median ${median(side.cpu).toFixed(3)} ms coordinator CPU per round trip, ${median(side.rate)} round trips/s, RSS now ${side.coordinator!.rssMb()} MB`,
    );
  }
  const [a, b] = sides;
  const slower = b.cpu.filter((cpu, i) => cpu > a.cpu[i]).length;
  console.log(
    `B/A CPU per round trip: ${(median(b.cpu) / median(a.cpu)).toFixed(3)} (B used more in ${slower} of ${rounds} rounds)`,
  );
} finally {
  for (const side of sides) {
    await side.coordinator?.stop();
  }
  await redis.stop();
}
