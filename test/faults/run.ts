/**
 * `npm run test:faults`: the fault suite of issue 9, in the spirit of Jepsen's broker checks.
 *
 *   1. setup   a private redis-server with an append-only file (fsync every second), two
 *              coordinator processes (dist/main.js) on it with one key prefix, a round-robin
 *              proxy in front of them, and 24 agents (real MCP clients of both generations)
 *   2. faults  every agent asks random others and answers what it is asked while coordinators
 *              and Redis are SIGKILLed and restarted, Redis clients paused, waits aborted and
 *              agent sessions die holding a request
 *   3. drain   no more faults or new requests; answerers keep answering, senders collect
 *   4. check   every request a sender got a request_id for is answered, pending,
 *              undeliverable or lost; every answer a sender saw is right or wrong.
 *              0 lost and 0 wrong, or the exit code is 1.
 *
 * See test/faults/README.md.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { CoordinatorProcess } from '../support/coordinator-process.ts';
import { Agent, type ClientKind } from '../support/mcp-clients.ts';
import { RedisServer } from '../support/redis-server.ts';
import { Checker, type Verdict } from './checker.ts';
import { type Cluster, FaultInjector } from './fault-injector.ts';
import { History } from './history.ts';
import { Random, sleep } from './random.ts';
import { RoundRobinProxy, type ProxyStats } from './round-robin-proxy.ts';
import { SimulatedAgent } from './simulated-agent.ts';

const projectRoot = resolve(import.meta.dirname, '..', '..');
const { values: args } = parseArgs({
  options: {
    agents: { type: 'string', default: '24' },
    'legacy-agents': { type: 'string', default: '8' },
    coordinators: { type: 'string', default: '2' },
    'faults-s': { type: 'string', default: '75' },
    'drain-s': { type: 'string', default: '40' },
    'abort-rate': { type: 'string', default: '0.08' },
    seed: { type: 'string' },
    main: { type: 'string', default: join(projectRoot, 'dist', 'main.js') },
    break: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
  strict: true,
});
if (args.help) {
  console.log(`usage: node test/faults/run.ts [options]
  --agents 24          agents, each asking and answering
  --legacy-agents 8    how many of them use the 1.x SDK client (the rest: the 2.x client)
  --coordinators 2     coordinator processes behind the proxy
  --faults-s 75        length of the fault phase
  --drain-s 40         longest quiet phase after it
  --abort-rate 0.08    share of waits the clients abort during the fault phase
  --seed N             replay a run's random choices (timing still differs)
  --main PATH          the coordinator build to run (default dist/main.js)
  --break delete-request
                       also delete three acknowledged requests from Redis mid-run: the
                       checker must report them lost and exit 1`);
  process.exit(0);
}
const agentCount = Number(args.agents);
const legacyCount = Number(args['legacy-agents']);
const coordinatorCount = Number(args.coordinators);
const faultMs = Number(args['faults-s']) * 1000;
const drainMs = Number(args['drain-s']) * 1000;
const abortRate = Number(args['abort-rate']);
const seed = args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(args.seed);
if (![agentCount, legacyCount, coordinatorCount, faultMs, drainMs, abortRate, seed].every(Number.isFinite)) {
  console.error('every option takes a number (see --help)');
  process.exit(2);
}
if (args.break !== undefined && args.break !== 'delete-request') {
  console.error(`--break: only "delete-request" is known, not "${args.break}"`);
  process.exit(2);
}

const startedAt = Date.now();
const step = (what: string) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${what}`);
const random = new Random(seed);
const history = new History();
const prefix = `faults-${seed.toString(36)}`;
const logDir = join(projectRoot, 'node_modules', '.cache', 'c3po-faults');
const redisDir = mkdtempSync(join(tmpdir(), 'c3po-faults-redis-'));

step(`seed ${seed}; Redis append-only file in ${redisDir}`);
const redis = await RedisServer.start({ appendOnlyDir: redisDir });
const coordinatorEnv: Record<string, string> = {
  REDIS_URL: redis.url,
  C3PO_KEY_PREFIX: prefix,
  // Short leases and quick sweeps and re-checks, so that redelivery happens within the run.
  C3PO_DELIVERY_LEASE_S: '2',
  C3PO_LEASE_SWEEP_MS: '500',
  C3PO_WAIT_RECHECK_MS: '1000',
  C3PO_REDIS_TIMEOUT_MS: '1000',
  // An agent asks again as soon as an answer comes, a few a second at times: the suite checks
  // delivery under faults, not the rate limit (test/limits.e2e-spec.ts does).
  C3PO_SENDS_PER_MINUTE: '100000',
  // In the drain an agent waits for all its missing answers at once, and the waits of a killed
  // coordinator keep their places until their timeouts: past the default 10 per agent.
  C3PO_MAX_WAITS_PER_AGENT: '1000',
};
// Generous: on a 2-core machine busy with other work a start can take ten seconds or more.
const coordinatorStart = { main: args.main, startLimitMs: 60_000 };
const coordinators: CoordinatorProcess[] = [];
/** Every generation's log lines, per coordinator, written out at the end. */
const coordinatorLogs: string[][] = [];
let proxy: RoundRobinProxy | undefined;
let admin: Redis | undefined;
const agents: SimulatedAgent[] = [];
const checkerAgents = new Map<string, Agent>();
// Children die with the suite even when it crashes or is interrupted: kill() and stop() signal
// synchronously.
process.once('exit', () => {
  coordinators.forEach((c) => void c.kill());
  void redis.stop();
  rmSync(redisDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => process.exit(130));
}

let failed: boolean;
try {
  failed = await main();
} catch (error) {
  console.error(`fault suite crashed: ${(error as Error).stack ?? String(error)}`);
  failed = true;
} finally {
  await cleanup();
}
step(`done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s; coordinator logs in ${logDir}`);
process.exit(failed ? 1 : 0);

async function main(): Promise<boolean> {
  for (let i = 0; i < coordinatorCount; i++) {
    coordinators.push(await CoordinatorProcess.start(coordinatorEnv, coordinatorStart));
    coordinatorLogs.push([]);
  }
  proxy = await RoundRobinProxy.start(coordinators.map((c) => c.port));
  admin = new Redis(redis.url, { connectionName: 'c3po-faults-admin', retryStrategy: () => 100 });
  admin.on('error', () => undefined);
  step(
    `${coordinatorCount} coordinators (${args.main}) on ports ${coordinators.map((c) => c.port).join(', ')}, key prefix ${prefix}; proxy ${proxy.url}`,
  );

  const ids = Array.from({ length: agentCount }, (_, i) => `agent-${String(i).padStart(2, '0')}`);
  for (const [i, id] of ids.entries()) {
    // The 1.x clients spread evenly among the 2.x ones.
    const legacy = Math.floor(((i + 1) * legacyCount) / agentCount) > Math.floor((i * legacyCount) / agentCount);
    const kind: ClientKind = legacy ? 'sdk-1.x (2025-11-25)' : 'client-2.x (2026-07-28)';
    agents.push(await SimulatedAgent.connect(proxy.url, id, kind, history, random));
  }
  const legacy = agents.filter((a) => a.kind.startsWith('sdk')).length;
  step(`${agents.length} agents connected through the proxy (${agents.length - legacy} client-2.x, ${legacy} sdk-1.x)`);

  const cluster: Cluster = {
    redis,
    coordinators,
    admin,
    restartCoordinator: async (index) => {
      const old = coordinators[index];
      coordinatorLogs[index].push(...old.output, `---- SIGKILL at ${new Date().toISOString()} ----`);
      coordinators[index] = await CoordinatorProcess.start(coordinatorEnv, { ...coordinatorStart, port: old.port });
    },
  };
  const faultsUntil = Date.now() + faultMs;
  const drainUntil = faultsUntil + drainMs;
  const duringFaults = () => (Date.now() < faultsUntil ? abortRate : 0);
  const stopAnswering = new AbortController();
  const injector = new FaultInjector(cluster, history, random, step);

  step(`fault phase: ${faultMs / 1000} s`);
  const answering = agents.map((a) => a.answer(stopAnswering.signal, drainUntil + 10_000, duringFaults));
  const others = (me: string) => ids.filter((id) => id !== me);
  await Promise.all([
    injector.run(faultsUntil),
    injector.runDeadAgents(proxy.url, agents, faultsUntil),
    ...agents.map((a) => a.ask(others(a.id), faultsUntil, drainUntil, duringFaults)),
    args.break === 'delete-request' ? deleteSomeRequests(faultsUntil) : undefined,
  ]);

  const unsettled = () => agents.reduce((sum, a) => sum + a.unsettled(), 0);
  step(
    `drain phase: no faults, no new requests; ${unsettled()} requests without an answer yet, at most ${drainMs / 1000} s`,
  );
  await Promise.all(agents.map((a) => a.collect(drainUntil)));
  stopAnswering.abort();
  await Promise.all(answering);
  step(`drain over; ${unsettled()} requests still without an answer`);

  for (const id of ids) {
    checkerAgents.set(id, await Agent.connect(proxy.url, id));
  }
  const verdict = await new Checker(checkerAgents, history).run();
  return report(verdict, proxy.stats);
}

/** --break delete-request: what the checker must catch, done behind the coordinators' backs. */
async function deleteSomeRequests(faultsUntil: number): Promise<void> {
  await sleep(Math.max(0, (faultsUntil - Date.now()) / 2));
  // Unanswered ones first: a request that vanishes from a queue is the loss that matters most.
  const records = random.shuffle([...history.requests.values()]);
  const victims = [...records.filter((r) => r.answer === undefined), ...records.filter((r) => r.answer !== undefined)]
    .slice(0, 3)
    .map((r) => r.requestId);
  for (const id of victims) {
    await admin!.del(`{${prefix}}:req:${id}`);
  }
  step(`--break: deleted the hashes of ${victims.join(', ')} from Redis`);
}

function report(verdict: Verdict, proxyStats: ProxyStats): boolean {
  const f = history.faults;
  const rows: [string, number | string, string][] = [
    ['requests acknowledged', history.requests.size, 'send_request returned a request_id'],
    [
      '  answered',
      verdict.classes.answered,
      `the sender saw an answer${verdict.answeredLate ? ` (${verdict.answeredLate} only in the checker's last look)` : ''}`,
    ],
    ['  pending', verdict.classes.pending, 'still queued or delivered'],
    ['  undeliverable', verdict.classes.undeliverable, 'handed out the maximum number of times'],
    ['  lost', verdict.classes.lost, 'unknown to the coordinator, or in a state nobody can see'],
    ['answers right', verdict.right, "answer:<request_id>:<message> of the sender's own question"],
    ['answers wrong', verdict.wrong.length, 'any other answer'],
    ['redelivered', verdict.redelivered, 'delivery_count > 1'],
    ['send retries', history.sendRetries, 'send_request repeated with the same arguments after a failure'],
    ['  duplicates', history.duplicates, 'of which the coordinator answered duplicate:true'],
    [
      'taken by dead agents',
      history.takenByDead.size,
      `of which ${[...history.takenByDead].filter((id) => history.requests.get(id)?.answer !== undefined).length} answered later`,
    ],
  ];
  const faults: [string, number | string, string][] = [
    ['coordinator kills', f.coordinatorKills, `SIGKILL; restarts ${f.coordinatorRestarts}`],
    ['redis kills', f.redisKills, `SIGKILL; restarts on the append-only file ${f.redisRestarts}`],
    ['client pauses', f.pauses, 'CLIENT PAUSE <ms> ALL'],
    [
      'aborted waits',
      f.waitForRequestAborts + f.waitForResponseAborts,
      `wait_for_request ${f.waitForRequestAborts}, wait_for_response ${f.waitForResponseAborts}`,
    ],
    ['dead agents', f.deadAgents, 'sessions that took a request and closed without answering'],
    [
      'retried calls',
      [...history.retries.values()].reduce((a, b) => a + b, 0),
      'failed calls made again after a pause',
    ],
    [
      'proxy',
      proxyStats.requests,
      `HTTP requests; ${proxyStats.refusedSkips} skipped a refusing backend, ${proxyStats.noBackend} found none (502), ${proxyStats.cut} cut mid-exchange`,
    ],
  ];
  const width = 22;
  const render = (title: string, list: [string, number | string, string][]) => [
    title,
    ...list.map(([name, value, note]) => `  ${name.padEnd(width)}${String(value).padStart(7)}   ${note}`),
  ];
  console.log(['', ...render('requests', rows), '', ...render('faults', faults)].join('\n'));
  if (history.retries.size > 0) {
    console.log('\nretried calls by cause');
    [...history.retries.entries()]
      .sort((a, b) => b[1] - a[1])
      .forEach(([cause, count]) => console.log(`  ${String(count).padStart(6)}  ${cause}`));
  }
  const listAtMost = (title: string, items: string[]) => {
    if (items.length > 0) {
      console.log(`\n${title} (${items.length})`);
      items.slice(0, 20).forEach((item) => console.log(`  ${item}`));
    }
  };
  listAtMost('LOST', verdict.lost);
  listAtMost('WRONG', verdict.wrong);
  for (const [kind, details] of history.anomalies) {
    listAtMost(`unexpected: ${kind}`, details);
  }

  const checks: [string, boolean][] = [
    ['no acknowledged request lost', verdict.classes.lost === 0],
    ['no wrong answer', verdict.wrong.length === 0],
    ['requests were answered under faults', verdict.classes.answered > 0],
    [
      'every fault happened (coordinator and Redis kills and restarts, pauses, aborts, dead agents)',
      f.coordinatorRestarts > 0 &&
        f.redisRestarts > 0 &&
        f.pauses > 0 &&
        f.waitForRequestAborts + f.waitForResponseAborts > 0 &&
        f.deadAgents > 0,
    ],
    ['no unexpected tool error', history.anomalies.size === 0],
  ];
  console.log('');
  checks.forEach(([name, ok]) => console.log(`${ok ? 'ok    ' : 'FAILED'}  ${name}`));
  const passed = checks.filter(([, ok]) => ok).length;
  console.log(`\n${passed} passed, ${checks.length - passed} failed`);
  return passed !== checks.length;
}

async function cleanup(): Promise<void> {
  await Promise.all([
    ...agents.map((a) => a.close()),
    ...[...checkerAgents.values()].map((a) => a.close().catch(() => undefined)),
  ]);
  await proxy?.close();
  admin?.disconnect();
  mkdirSync(logDir, { recursive: true });
  for (const [i, coordinator] of coordinators.entries()) {
    await coordinator.kill();
    writeFileSync(join(logDir, `coordinator-${i}.log`), [...coordinatorLogs[i], ...coordinator.output].join('\n'));
  }
  await redis.stop();
  rmSync(redisDir, { recursive: true, force: true });
}
