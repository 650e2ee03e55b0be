/**
 * The two figures issue 5 asks for, on their own and quickly (about 15 s):
 *
 *   - wake latency: send_request issued → an already blocked wait_for_request returns it,
 *     p50/p99 over 1,000 sends;
 *   - Redis connections: `connected_clients` (INFO clients, the bench's probe connection
 *     subtracted) while 200 agents are blocked in wait_for_request.
 *
 *   node bench/wake-latency.ts [--samples 1000] [--waiters 200] [--url URL --redis-url URL]
 *
 * Starts its own Redis and coordinator like `npm run bench` (see bench/README.md).
 */
import { startEnvironment } from './support/environment.ts';
import { machineFacts } from './support/machine.ts';
import { parseOptions } from './support/options.ts';
import { checkTarget, renderTable, renderTargets } from './support/report.ts';
import { formatMs, summarize } from './support/stats.ts';
import { measureScale } from './scenarios/scale.ts';
import { measureWakeLatency } from './scenarios/wake-latency.ts';

const options = parseOptions('usage: node bench/wake-latency.ts [options]', { samples: 1000, waiters: 200 });
if (options.help) {
  process.exit(0);
}
const machine = machineFacts();
const env = await startEnvironment({ ...options.environment, floor: false });
try {
  const wakeRun = await measureWakeLatency(env, env.tag, options.numbers.samples);
  const wake = summarize(wakeRun.wake);
  const profile = await env.saveProfile('wake-latency-only');
  const scale = await measureScale(env, env.tag, {
    waiters: options.numbers.waiters,
    wakeSamples: 5,
    observe: {
      rssMb: () => env.coordinatorRssMb(),
      redisClients: async () => (env.probe ? await env.probe.clients() : null),
    },
  });
  const clients = scale.blocked.redisClients;
  const targets = [
    checkTarget('wake latency p50', wake.p50, 'ms', '<=', 2),
    checkTarget('wake latency p99', wake.p99, 'ms', '<=', 10),
    checkTarget(`Redis connections with ${scale.waiters} blocked`, clients?.others, '', '<=', 3),
  ];
  console.log(
    [
      `C3PO wake latency, ${new Date().toISOString()}`,
      `machine: ${machine.cpu_model}, ${machine.cores} cores, node ${machine.node_version}, load average (1 min) before the run ${machine.load_average_1m}`,
      `build: ${env.build}`,
      ...env.placement.map((line) => `where: ${line}`),
      '',
      renderTable([
        {
          title: 'Wake latency (send_request issued → blocked wait_for_request returns)',
          rows: [
            { label: `p50 over ${wake.count} sends`, value: formatMs(wake.p50), target: targets[0] },
            { label: `p99 over ${wake.count} sends`, value: formatMs(wake.p99), target: targets[1] },
            { label: 'errors', value: String(wakeRun.errors) },
          ],
          notes: wakeRun.errorSamples.map((sample) => `error: ${sample.slice(0, 160)}`),
        },
        {
          title: `Redis connections (${scale.waiters} agents blocked in wait_for_request)`,
          rows: [
            {
              label: 'waits in flight / sockets / per coordinator',
              value: `${scale.blocked.blocked} / ${scale.blocked.sockets ?? 'n/a'} / ${scale.blocked.blockedPerCoordinator ?? 'n/a'}`,
            },
            {
              label: 'connected_clients, probe excluded',
              value: clients
                ? `${clients.others} (${Object.entries(clients.byName)
                    .map(([name, count]) => `${name}×${count}`)
                    .join(', ')})`
                : 'n/a (pass --redis-url with --url)',
              target: targets[2],
            },
          ],
          notes: scale.errorSamples.map((sample) => `error: ${sample.slice(0, 160)}`),
        },
      ]),
      '',
      renderTargets(targets),
      ...(profile ? [`cpu profile of the wake-latency run: ${profile}`] : []),
    ].join('\n'),
  );
} finally {
  await env.stop();
}
