/**
 * Push round trip (issue 11): how fast an idle Claude Code session answers a request that the
 * coordinator pushes into it, with a scripted model, beside a floor measured in the same run.
 *
 *   - Claude Code: a real interactive Claude Code for `bob` in tmux (test/support/claude-session.ts),
 *     started with the plugin's channels (--dangerously-load-development-channels plugin:c3po@c3po),
 *     its model a scripted stand-in on loopback (test/support/model-stand-in.ts) that answers a
 *     `<channel source="plugin:c3po:push" kind="request" …>` by calling get_pending_requests, then
 *     respond_to_request for each request, then a short text. Nobody types into the pane.
 *   - floor: the same round trips answered by a scripted MCP client blocked in wait_for_request
 *     (then respond_to_request), so the difference is what the push path, Claude Code and the model
 *     stand-in add.
 *
 * alice (an MCP client, 2026-07-28) sends one request at a time and, for Claude Code, waits until
 * bob's session is idle at its prompt again before the next. A round trip is timed from
 * send_request issued to wait_for_response returning 'answered'. Each value in --batch-ms
 * (C3PO_PUSH_BATCH_MS: a push waits that long to gather what else arrives) gets its own
 * coordinator and Claude Code session.
 *
 *   node bench/push-round-trip.ts [--requests 20] [--batch-ms 500,0]
 *
 * Needs redis-server and tmux on PATH; installs Claude Code 2.1.330 on first use
 * (test/plugin/claude-code.sh). See bench/README.md.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { claudeBinary, ClaudeSession, DEV_CHANNELS_FLAG } from '../test/support/claude-session.ts';
import { type ModelRequest, ModelStandIn, newText, toolResults, type Turn } from '../test/support/model-stand-in.ts';
import { RedisServer } from '../test/support/redis-server.ts';
import { BenchAgent, type Endpoint } from './support/bench-agent.ts';
import { Cleanup } from './support/cleanup.ts';
import {
  benchCacheDir,
  CoordinatorProcess,
  coordinatorEntry,
  projectRoot,
  startFlags,
} from './support/coordinator-process.ts';
import { machineFacts } from './support/machine.ts';
import { parseOptions, resolveFromRoot } from './support/options.ts';
import { RedisProbe } from './support/redis-probe.ts';
import { renderTable, type Row, type Section } from './support/report.ts';
import { formatMs, type LatencySummary, recordError, round, summarize } from './support/stats.ts';

const options = parseOptions(
  'usage: node bench/push-round-trip.ts [options]',
  { requests: 20, warmup: 1, 'settle-ms': 1000 },
  { 'batch-ms': '500,0', out: 'bench/push-results.json' },
);
if (options.help) {
  process.exit(0);
}
const environment = options.environment;
if (environment.url || environment.profileDir) {
  console.error(
    'push-round-trip starts its own coordinator for each --batch-ms (and Claude Code on it): --url and --cpu-prof do not apply',
  );
  process.exit(2);
}
const batches = options.strings['batch-ms']!.split(',').map((value) => Number(value.trim()));
if (batches.length === 0 || batches.some((value) => !Number.isInteger(value) || value < 0)) {
  console.error(`--batch-ms takes whole milliseconds, comma-separated (500,0), got ${options.strings['batch-ms']}`);
  process.exit(2);
}
const requests = options.numbers.requests;
const warmup = options.numbers.warmup;
const settleMs = options.numbers['settle-ms'];

/** Bounds for every wait: nothing here may hang the bench. */
const CLAUDE_START_MS = 120_000;
const CLAUDE_ANSWER_S = 60;
const IDLE_MS = 30_000;
const FLOOR_ANSWER_S = 10;
/** The floor's answerer re-issues wait_for_request after each answer; give it this long to park. */
const FLOOR_SETTLE_MS = 20;
/** A phase gives up after this many failed round trips: bob's session is stuck, not slow. */
const MAX_ERRORS = 3;
const PUSH_SERVER = 'plugin:c3po:push';

const startedAt = Date.now();
const step = (what: string) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${what}`);

const cleanup = new Cleanup().stopOnSignals('Claude Code, the coordinator and Redis');

/** A request's receipts, as get_request_status gives them (ISO times). */
interface Receipts {
  created_at: string;
  pushed_at?: string;
  seen_at?: string;
  answered_at?: string;
}

/** One timed round trip. Wall-clock times are epoch ms, comparable with the receipts (same host). */
interface Trip {
  requestId: string;
  /** send_request issued → wait_for_response returned 'answered'. */
  ms: number;
  /** send_request issued → its own result. */
  sendMs: number;
  sentAt: number;
  returnedAt: number;
  receipts: Receipts;
}

/** What Claude Code's debug log and the model stand-in add to a trip. */
interface ClaudeTrip extends Trip {
  /** Claude Code logged the channel notification (debug log). */
  eventAt?: number;
  /** The model stand-in was first asked with the push in its request. */
  askedAt?: number;
  /** PostToolUse hooks that finished between seen_at and answered_at (the one after get_pending_requests). */
  hookMs?: number;
}

/**
 * Bob's scripted model. On a push naming new requests: get_pending_requests; then
 * respond_to_request for each pending request; then a short text, which ends the turn.
 */
class AnsweringBrain {
  /** When the model was first asked about each pushed request, epoch ms. */
  readonly askedAt = new Map<string, number>();
  /** False from a push until the turn's closing text. */
  idle = true;
  private queue: string[] = [];
  private answered = 0;

  readonly turn = (request: ModelRequest): Turn => {
    const pushed = [...newText(request).matchAll(/<channel source="plugin:c3po:push"([^>]*)>/g)]
      .filter(([, attributes]) => /\bkind="[^"]*request/.test(attributes))
      .flatMap(([, attributes]) => (/\brequest_id="([^"]*)"/.exec(attributes)?.[1] ?? '').split(','))
      .filter(Boolean);
    if (pushed.length > 0) {
      const now = Date.now();
      pushed.forEach((id) => this.askedAt.has(id) || this.askedAt.set(id, now));
      this.idle = false;
      this.queue = [];
      this.answered = 0;
      return { tool: '__get_pending_requests', input: {} };
    }
    const results = toolResults(request);
    const pending = results.find((result) => result.tool.endsWith('__get_pending_requests') && !result.isError);
    if (pending) {
      try {
        this.queue = (JSON.parse(pending.text).requests as { request_id: string }[]).map((r) => r.request_id);
      } catch {
        this.queue = [];
      }
    }
    if (results.some((result) => result.tool.endsWith('__respond_to_request') && !result.isError)) {
      this.answered++;
    }
    const next = this.queue.shift();
    if (next && results.length > 0) {
      return {
        tool: '__respond_to_request',
        input: { request_id: next, response: `Answered by bob's scripted model (${next}).` },
      };
    }
    this.idle = true;
    return { text: this.answered > 0 ? `Answered ${this.answered} request(s).` : 'Nothing to answer.' };
  };
}

interface Phase {
  batchMs: number;
  loadBefore: number;
  loadAfter: number;
  floor: Trip[];
  floorWarmup: Trip[];
  claude: ClaudeTrip[];
  claudeWarmup: ClaudeTrip[];
  errors: number;
  errorSamples: string[];
  coordinatorLog: string;
  claudeLog: string;
}

/** One C3PO_PUSH_BATCH_MS: its own coordinator and Claude Code session; the floor first, then Claude Code. */
async function runPhase(
  batchMs: number,
  shared: { main: string; redis: RedisServer; model: ModelStandIn },
): Promise<Phase> {
  const name = `${tag}-push-batch${batchMs}`;
  const phase: Phase = {
    batchMs,
    loadBefore: round(loadavg()[0], 2),
    loadAfter: NaN,
    floor: [],
    floorWarmup: [],
    claude: [],
    claudeWarmup: [],
    errors: 0,
    errorSamples: [],
    coordinatorLog: join(logDir, `${name}-coordinator.log`),
    claudeLog: join(logDir, `${name}-claude-debug.log`),
  };
  step(`C3PO_PUSH_BATCH_MS=${batchMs}: starting the coordinator (load average ${phase.loadBefore})`);
  const coordinator = await CoordinatorProcess.start({
    main: shared.main,
    redisUrl: shared.redis.url,
    prefix: name,
    logFile: phase.coordinatorLog,
    nodeFlags: environment.nodeFlags,
    keys: environment.keys,
    env: { C3PO_PUSH_BATCH_MS: String(batchMs) },
  });
  const stopCoordinator = cleanup.add('coordinator', () => coordinator.stop());
  const endpoint: Endpoint = { url: coordinator.url, apiKey: coordinator.apiKey };
  const alice = await BenchAgent.connect(endpoint, 'alice');
  const closeAlice = cleanup.add('alice', () => alice.close());
  await alice.call('register_agent', { description: 'push bench: sends the requests' });

  step(`floor: ${warmup} + ${requests} round trips answered by wait_for_request`);
  await measureFloor(endpoint, alice, phase);

  step('starting Claude Code for bob');
  const brain = new AnsweringBrain();
  shared.model.brain = brain.turn;
  const session = await ClaudeSession.start({
    modelUrl: shared.model.url,
    project: 'bob',
    args: [DEV_CHANNELS_FLAG, 'plugin:c3po@c3po'],
    channelsFeature: true,
    env: {
      C3PO_COORDINATOR_URL: coordinator.url,
      ...(coordinator.apiKey && { C3PO_API_KEY: coordinator.apiKey }),
    },
    mcpServers: ['plugin:c3po:c3po', PUSH_SERVER],
    startTimeoutMs: CLAUDE_START_MS,
    scratchDir: scratch,
  });
  const stopSession = cleanup.add('Claude Code', async () => {
    // Kept for a look afterwards: where a round trip's time went, beyond the stages printed.
    copyFileSync(session.debugFile, phase.claudeLog);
    await session.stop();
  });
  try {
    await session.waitForLog(`MCP server "${PUSH_SERVER}": Channel notifications registered`, 30_000);
    await until('bob listed with push: true', 15_000, async () => {
      const { agents } = await alice.call('list_agents');
      return (agents as { agent_id: string; push?: boolean }[]).some((a) => a.agent_id === 'bob' && a.push === true);
    });
    await waitUntilIdle(session, brain, 0);
    step(`Claude Code: ${warmup} + ${requests} round trips, each pushed into bob's idle session`);
    for (let i = 0; i < warmup + requests && phase.errors < MAX_ERRORS; i++) {
      await sleep(settleMs);
      const turnsBefore = turnEnds(session);
      try {
        const trip = await roundTrip(alice, 'bob', `claude ${i}`, CLAUDE_ANSWER_S);
        (i < warmup ? phase.claudeWarmup : phase.claude).push({
          ...trip,
          askedAt: brain.askedAt.get(trip.requestId),
        });
      } catch (error) {
        recordError(phase, error);
        step(`round trip ${i} failed: ${(error as Error).message}`);
      }
      await waitUntilIdle(session, brain, turnsBefore + 1);
    }
    addDebugLogTimes(session.debugLog(), [...phase.claudeWarmup, ...phase.claude]);
  } catch (error) {
    recordError(phase, error);
    step(
      `Claude Code phase failed: ${(error as Error).message}\n--- pane ---\n${await session.capture().catch(() => '')}`,
    );
  } finally {
    await stopSession();
    await closeAlice();
    await stopCoordinator();
    phase.loadAfter = round(loadavg()[0], 2);
  }
  return phase;
}

/** The same round trips, answered by a scripted MCP client blocked in wait_for_request. */
async function measureFloor(endpoint: Endpoint, alice: BenchAgent, phase: Phase): Promise<void> {
  const answerer = await BenchAgent.connect(endpoint, 'floor-bob');
  const closeAnswerer = cleanup.add('floor answerer', () => answerer.close());
  await answerer.call('register_agent', { description: 'push bench floor: answers from wait_for_request' });
  const stop = new AbortController();
  const answering = (async () => {
    while (!stop.signal.aborted) {
      const got = await answerer.call('wait_for_request', { timeout: FLOOR_ANSWER_S }, stop.signal);
      if (got.status === 'received') {
        await answerer.call('respond_to_request', {
          request_id: got.request.request_id,
          response: `Answered by the floor's MCP client (${got.request.request_id}).`,
        });
      }
    }
  })();
  answering.catch(() => undefined);
  try {
    for (let i = 0; i < warmup + requests && phase.errors < MAX_ERRORS; i++) {
      await sleep(FLOOR_SETTLE_MS);
      try {
        const trip = await roundTrip(alice, answerer.id, `floor ${i}`, FLOOR_ANSWER_S);
        (i < warmup ? phase.floorWarmup : phase.floor).push(trip);
      } catch (error) {
        recordError(phase, error);
      }
    }
  } finally {
    stop.abort();
    await answering.catch(() => undefined);
    await closeAnswerer();
  }
}

/** send_request → wait_for_response until 'answered', then the request's receipts (not timed). */
async function roundTrip(alice: BenchAgent, target: string, label: string, timeoutS: number): Promise<Trip> {
  const sentAt = Date.now();
  const started = performance.now();
  const sent = await alice.call('send_request', { target, message: `Push bench, ${label}: what is 2 + 2?` });
  const sendMs = performance.now() - started;
  const result = await alice.call('wait_for_response', { request_id: sent.request_id, timeout: timeoutS });
  const ms = performance.now() - started;
  const returnedAt = Date.now();
  if (result.status !== 'answered') {
    throw new Error(`${label}: wait_for_response returned ${JSON.stringify(result).slice(0, 300)}`);
  }
  const receipts = (await alice.call('get_request_status', { request_id: sent.request_id })) as Receipts;
  return { requestId: sent.request_id, ms, sendMs, sentAt, returnedAt, receipts };
}

/** `[engine] turn N end` lines in Claude Code's debug log so far: one per finished turn. */
function turnEnds(session: ClaudeSession): number {
  return session.debugLog().match(/\[engine\] turn \d+ end/g)?.length ?? 0;
}

/**
 * Bob's session is idle again: the model's closing text was given, Claude Code logged at least
 * `turns` turn ends (its Stop hook has run), and the pane shows no turn in progress.
 */
async function waitUntilIdle(session: ClaudeSession, brain: AnsweringBrain, turns: number): Promise<void> {
  await until('bob idle at the prompt', IDLE_MS, async () => {
    if (!brain.idle || turnEnds(session) < turns) {
      return false;
    }
    return !(await session.capture()).includes('esc to interrupt');
  });
}

async function until(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`not ${what} within ${timeoutMs} ms`);
    }
    await sleep(50);
  }
}

/**
 * From Claude Code's debug log (ISO times, ms): when it received each push, and the PostToolUse
 * hooks that ran between seen and answered (the C3PO hook after get_pending_requests).
 */
function addDebugLogTimes(log: string, trips: ClaudeTrip[]): void {
  const events: number[] = [];
  const hooks: { at: number; ms: number }[] = [];
  for (const line of log.split('\n')) {
    const at = Date.parse(line.slice(0, line.indexOf(' ')));
    if (Number.isNaN(at)) {
      continue;
    }
    if (line.includes(`MCP server "${PUSH_SERVER}": notifications/claude/channel`)) {
      events.push(at);
    }
    const hook = /Hooks: PostToolUse:\S+ .* finished with status \d+ \((\d+)ms\)/.exec(line);
    if (hook) {
      hooks.push({ at, ms: Number(hook[1]) });
    }
  }
  for (const trip of trips) {
    const pushed = time(trip.receipts.pushed_at);
    const seen = time(trip.receipts.seen_at);
    const answered = time(trip.receipts.answered_at);
    trip.eventAt = events.find((at) => at >= pushed && at <= answered);
    const between = hooks.filter((hook) => hook.at >= seen && hook.at <= answered);
    trip.hookMs = between.length > 0 ? between.reduce((sum, hook) => sum + hook.ms, 0) : undefined;
  }
}

function time(iso: string | undefined): number {
  return iso === undefined ? NaN : Date.parse(iso);
}

/** A stage's durations over the trips, skipping those where an edge is unknown. */
function stage<T extends Trip>(trips: T[], span: (trip: T) => number): LatencySummary {
  return summarize(trips.map(span).filter((value) => Number.isFinite(value)));
}

/** A stage of a round trip: its key in push-results.json, its label in the table, its duration. */
interface Stage<T extends Trip> {
  key: string;
  label: string;
  span: (trip: T) => number;
}

const claudeStages: Stage<ClaudeTrip>[] = [
  { key: 'send_request', label: 'send_request returns', span: (t) => t.sendMs },
  {
    key: 'send_to_pushed',
    label: 'send issued → pushed (pushed_at)',
    span: (t) => time(t.receipts.pushed_at) - t.sentAt,
  },
  {
    key: 'pushed_to_event',
    label: 'pushed → Claude Code has the event',
    span: (t) => (t.eventAt ?? NaN) - time(t.receipts.pushed_at),
  },
  {
    key: 'event_to_model',
    label: 'event → model stand-in asked',
    span: (t) => (t.askedAt ?? NaN) - (t.eventAt ?? NaN),
  },
  {
    key: 'model_to_seen',
    label: 'asked → get_pending_requests (seen_at)',
    span: (t) => time(t.receipts.seen_at) - (t.askedAt ?? NaN),
  },
  {
    key: 'seen_to_answered',
    label: 'seen → respond_to_request (answered_at)',
    span: (t) => time(t.receipts.answered_at) - time(t.receipts.seen_at),
  },
  { key: 'post_tool_use_hook', label: '  of which the PostToolUse hook', span: (t) => t.hookMs ?? NaN },
  {
    key: 'answered_to_returned',
    label: 'answered → wait_for_response returns',
    span: (t) => t.returnedAt - time(t.receipts.answered_at),
  },
];

const floorStages: Stage<Trip>[] = [
  { key: 'send_request', label: 'send_request returns', span: (t) => t.sendMs },
  {
    key: 'send_to_seen',
    label: 'send issued → wait_for_request has it',
    span: (t) => time(t.receipts.seen_at) - t.sentAt,
  },
  {
    key: 'seen_to_answered',
    label: 'seen → respond_to_request (answered_at)',
    span: (t) => time(t.receipts.answered_at) - time(t.receipts.seen_at),
  },
  {
    key: 'answered_to_returned',
    label: 'answered → wait_for_response returns',
    span: (t) => t.returnedAt - time(t.receipts.answered_at),
  },
];

/** Whole ms from 100 ms up: these figures run to seconds. */
function ms(value: number): string {
  return Number.isFinite(value) && value >= 100 ? `${Math.round(value)} ms` : formatMs(value);
}

/** p50, p90 when there are at least 10 samples (below that it is the max), max. */
function spread(summary: LatencySummary): string {
  if (summary.count === 0) {
    return 'n/a';
  }
  return [`p50 ${ms(summary.p50)}`, summary.count >= 10 && `p90 ${ms(summary.p90)}`, `max ${ms(summary.max)}`]
    .filter(Boolean)
    .join('  ');
}

function sectionsOf(phase: Phase): Section[] {
  const claude = summarize(phase.claude.map((trip) => trip.ms));
  const floor = summarize(phase.floor.map((trip) => trip.ms));
  const stageRows = <T extends Trip>(trips: T[], stages: Stage<T>[]): Row[] =>
    stages.map(({ label, span }) => {
      const summary = stage(trips, span);
      return {
        label: `  ${label}`,
        value: summary.count === 0 ? 'n/a' : `p50 ${ms(summary.p50)}  max ${ms(summary.max)}`,
      };
    });
  const warm = (trips: Trip[]) => trips.map((trip) => ms(trip.ms)).join(', ');
  return [
    {
      title: `C3PO_PUSH_BATCH_MS=${phase.batchMs}: send_request issued → wait_for_response 'answered' (load average ${phase.loadBefore} → ${phase.loadAfter})`,
      rows: [
        { label: `Claude Code + model stand-in, ${claude.count} requests`, value: spread(claude) },
        { label: `floor: MCP client in wait_for_request, ${floor.count}`, value: spread(floor) },
        { label: 'Claude Code adds, p50', value: ms(claude.p50 - floor.p50) },
        { label: 'Claude Code, stages (p50, max):', value: '' },
        ...stageRows(phase.claude, claudeStages),
        { label: 'floor, stages (p50, max):', value: '' },
        ...stageRows(phase.floor, floorStages),
        { label: 'errors', value: String(phase.errors) },
      ],
      notes: [
        `warm-up, not counted: Claude Code ${warm(phase.claudeWarmup) || 'n/a'}; floor ${warm(phase.floorWarmup) || 'n/a'}`,
        'stages from receipts (get_request_status), Claude Code debug log and the stand-in: wall clock, whole ms',
        `logs: ${relative(projectRoot, phase.coordinatorLog)}, ${relative(projectRoot, phase.claudeLog)}`,
        ...phase.errorSamples.map((sample) => `error: ${sample.slice(0, 200)}`),
      ],
    },
  ];
}

function phaseJson(phase: Phase) {
  const stages = <T extends Trip>(trips: T[], list: Stage<T>[]) =>
    Object.fromEntries(list.map(({ key, span }) => [key, stage(trips, span)]));
  const trips = (list: Trip[]) =>
    list.map((trip) => ({
      request_id: trip.requestId,
      ms: round(trip.ms),
      send_ms: round(trip.sendMs),
      ...trip.receipts,
    }));
  return {
    push_batch_ms: phase.batchMs,
    load_average_1m: { before: phase.loadBefore, after: phase.loadAfter },
    claude_code: {
      round_trip_ms: summarize(phase.claude.map((trip) => trip.ms)),
      stages_ms: stages(phase.claude, claudeStages),
      warmup_ms: phase.claudeWarmup.map((trip) => round(trip.ms)),
      trips: trips(phase.claude),
    },
    floor: {
      round_trip_ms: summarize(phase.floor.map((trip) => trip.ms)),
      stages_ms: stages(phase.floor, floorStages),
      warmup_ms: phase.floorWarmup.map((trip) => round(trip.ms)),
      trips: trips(phase.floor),
    },
    errors: phase.errors,
    error_samples: phase.errorSamples,
    logs: {
      coordinator: relative(projectRoot, phase.coordinatorLog),
      claude_debug: relative(projectRoot, phase.claudeLog),
    },
  };
}

const machine = machineFacts();
const scratch = mkdtempSync(join(tmpdir(), 'benchpush-'));
cleanup.add('scratch folder', () => Promise.resolve(rmSync(scratch, { recursive: true, force: true })));
const tag = `bench-${Math.random().toString(16).slice(2, 8)}`;
const logDir = join(benchCacheDir, 'logs');

try {
  const { main, build } = coordinatorEntry(environment.build);
  step(`coordinator build: ${build}`);
  const claude = await claudeBinary();
  const claudeVersion = (await promisify(execFile)(claude, ['--version'], { timeout: 30_000 })).stdout
    .trim()
    .split(' ')[0];
  const redis = await RedisServer.start();
  cleanup.add('Redis', () => redis.stop());
  const probe = await RedisProbe.connect(redis.url);
  const redisVersion = await probe.version();
  await probe.close();
  const model = await ModelStandIn.start();
  cleanup.add('model stand-in', () => model.close());

  const phases: Phase[] = [];
  for (const batchMs of batches) {
    phases.push(await runPhase(batchMs, { main, redis, model }));
  }

  const header = [
    `C3PO push round trip, ${new Date(startedAt).toISOString()}`,
    `machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_mb} MB, ${machine.os}, node ${machine.node_version}, redis ${redisVersion}, Claude Code ${claudeVersion}`,
    `load average (1 min) before the run: ${machine.load_average_1m}; per phase below (other work on the machine skews every figure)`,
    `coordinator: ${relative(projectRoot, main)} (${build}), node flags "${[...startFlags(), environment.nodeFlags].filter(Boolean).join(' ')}", API keys ${environment.keys ? "on (one for '*')" : 'off'}; private redis-server on port ${redis.port}`,
    `Claude Code: interactive in tmux, ${DEV_CHANNELS_FLAG} plugin:c3po@c3po, model = scripted stand-in on loopback; alice and the floor's answerer: MCP clients (2026-07-28) in this process`,
    `${requests} requests a phase, one at a time (after ${warmup} warm-up, not counted); before each Claude Code request bob's session is idle at its prompt, then ${settleMs} ms more`,
  ];
  console.log(`\n${header.join('\n')}\n\n${renderTable(phases.flatMap(sectionsOf))}`);

  const out = resolveFromRoot(options.strings.out!);
  writeFileSync(
    out,
    `${JSON.stringify(
      {
        generated_at: new Date(startedAt).toISOString(),
        duration_s: round((Date.now() - startedAt) / 1000, 1),
        command: `node bench/push-round-trip.ts ${process.argv.slice(2).join(' ')}`.trim(),
        machine: { ...machine, redis_version: redisVersion, claude_code_version: claudeVersion },
        coordinator: { main: relative(projectRoot, main), build, api_keys: environment.keys === true },
        requests,
        warmup,
        settle_ms: settleMs,
        phases: phases.map(phaseJson),
      },
      null,
      2,
    )}\n`,
  );
  step(`wrote ${relative(projectRoot, out)}`);
  if (phases.some((phase) => phase.errors > 0)) {
    process.exitCode = 1;
  }
} finally {
  await cleanup.all();
}
