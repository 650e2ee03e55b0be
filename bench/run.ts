/**
 * `npm run bench`: C3PO against its floor, side by side (issue 5).
 *
 *   1. floor           a bare MCP SDK tool call, and a raw Redis LPUSH→BLPOP delivery
 *   2. call overhead   list_agents vs the floor's tool, sequential from one client
 *   3. wake latency    send_request issued → a blocked wait_for_request returns, 1,000 sends
 *   4. throughput      50 agent pairs looping full round trips for 10 s
 *   5. scale           1,000 agents blocked in wait_for_request: RSS, Redis connections, a wake
 *   6. large inbox     3,000 requests of 64 KB in one inbox: page latency and size, RSS, Redis memory
 *   7. teamwork        20 workers draining a 1,000-task board (claims/s); publish → receive, and a
 *                      publish to a topic of 50 subscribers, beside section 4's request round trip
 *
 * Prints a table with each target's PASS/MISS and writes bench/results.json. See bench/README.md.
 */
import { writeFileSync } from 'node:fs';
import { BenchAgent, closeAgents, connectAgents } from './support/bench-agent.ts';
import { CpuMeter, type CpuUse, formatCpu } from './support/cpu-meter.ts';
import { type Environment, startEnvironment } from './support/environment.ts';
import { type MachineFacts, machineFacts } from './support/machine.ts';
import { parseOptions, resolveFromRoot } from './support/options.ts';
import {
  checkTarget,
  renderTable,
  renderTargets,
  type Row,
  type Section,
  type TargetResult,
} from './support/report.ts';
import { formatBytes, formatLatency, formatMs, round, summarize } from './support/stats.ts';
import { measureConcurrentCalls, measureSequentialCalls } from './scenarios/call-overhead.ts';
import { type MemorySnapshot, measureLargeInbox, type ReadSeries } from './scenarios/large-inbox.ts';
import { measureRedisFloor } from './scenarios/redis-floor.ts';
import { measureScale } from './scenarios/scale.ts';
import { measureClaims, measurePublish } from './scenarios/teamwork.ts';
import { measureThroughput } from './scenarios/throughput.ts';
import { measureWakeLatency } from './scenarios/wake-latency.ts';

const options = parseOptions(
  'usage: npm run bench -- [options]',
  {
    'call-samples': 2000,
    'wake-samples': 1000,
    pairs: 50,
    duration: 10,
    waiters: 1000,
    'scale-wakes': 20,
    inbox: 3000,
    'inbox-bytes': 65536,
    'inbox-senders': 8,
    'inbox-samples': 50,
    tasks: 1000,
    workers: 20,
    'publish-samples': 500,
    subscribers: 50,
  },
  { out: 'bench/results.json' },
);
if (options.help) {
  process.exit(0);
}
const n = options.numbers;

const startedAt = Date.now();
const step = (what: string) => console.error(`[${((Date.now() - startedAt) / 1000).toFixed(1).padStart(5)} s] ${what}`);

// Before anything starts, so the load average shows other work on the machine, not ours.
const machine: MachineFacts = machineFacts();
step('starting Redis, the coordinator and the floor server');
const env = await startEnvironment(options.environment);
try {
  await main(env);
} finally {
  await env.stop();
}

async function main(env: Environment): Promise<void> {
  machine.redis_version = env.probe ? await env.probe.version() : undefined;
  const profiles: Record<string, string | undefined> = {};
  const meter = new CpuMeter(env);
  const phaseCpu = async <T>(phase: string, run: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> => {
    await meter.begin();
    const result = await run();
    const cpu = await meter.end();
    profiles[phase] = await env.saveProfile(phase);
    return { result, cpu };
  };

  // 1 + 2. Floor and call overhead. Blocks alternate between the two servers so that drift
  // (JIT, GC, a noisy neighbour) hits both alike.
  step('floor: Redis LPUSH→BLPOP');
  const redisFloor = summarize(await measureRedisFloor(env.floorRedisUrl, 1000));
  step(`call overhead: ${n['call-samples']} sequential calls each to the floor's ping and to list_agents`);
  const floorAgent = await BenchAgent.connect({ url: env.floorUrl! }, 'floor-client');
  const caller = await BenchAgent.connect(env, `${env.tag}-caller`);
  // As a session does at its start (the plugin's SessionStart hook): an unregistered caller would
  // pay a presence write (touchAgent) on every call, which a registered one, or any key holder, skips.
  await caller.call('register_agent', { description: 'bench caller' });
  const floorSamples: number[] = [];
  const callSamples: number[] = [];
  const floorCpu: number[] = [];
  const callCpuPerCall: number[] = [];
  const blocks = 4;
  const { cpu: callCpu } = await phaseCpu('call-overhead', async () => {
    for (let block = 0; block < blocks; block++) {
      const warmup = block === 0 ? 500 : 50;
      const perBlock = Math.ceil(n['call-samples'] / blocks);
      const floorBlock = await measureSequentialCalls(floorAgent, 'ping', perBlock, warmup, () => env.floorCpuMs());
      const callBlock = await measureSequentialCalls(caller, 'list_agents', perBlock, warmup, () =>
        env.coordinatorCpuMs(),
      );
      floorSamples.push(...floorBlock.latencies);
      callSamples.push(...callBlock.latencies);
      floorCpu.push(floorBlock.serverCpuMs ?? NaN);
      callCpuPerCall.push(callBlock.serverCpuMs ?? NaN);
    }
  });
  const mean = (values: number[]) => round(values.reduce((sum, value) => sum + value, 0) / values.length, 3);
  const floorCpuPerCall = mean(floorCpu);
  const listAgentsCpuPerCall = mean(callCpuPerCall);
  const agentsListed = ((await caller.call('list_agents')).agents as unknown[]).length;
  step(`floor under load: ${n.pairs * 2} clients calling ping for 3 s`);
  const floorClients = await connectAgents(
    { url: env.floorUrl! },
    Array.from({ length: n.pairs * 2 }, (_, i) => `floor-client-${i}`),
  );
  const floorLoad = await measureConcurrentCalls(floorClients, 'ping', 3, () => env.floorCpuMs());
  await closeAgents(floorClients);
  const floorLoadLatency = summarize(floorLoad.latencies);
  const floorRoundTrips = Math.round(floorLoad.callsPerSecond / 4);
  await floorAgent.close();
  await caller.close();
  const floorCall = summarize(floorSamples);
  const listAgents = summarize(callSamples);
  const ratioP50 = round(listAgents.p50 / floorCall.p50, 2);
  const ratioP99 = round(listAgents.p99 / floorCall.p99, 2);

  // 3. Wake latency.
  step(`wake latency: ${n['wake-samples']} sends to a blocked wait_for_request`);
  const { result: wakeRun, cpu: wakeCpu } = await phaseCpu('wake-latency', () =>
    measureWakeLatency(env, env.tag, n['wake-samples']),
  );
  const wake = summarize(wakeRun.wake);
  const wakeSend = summarize(wakeRun.send);

  // 4. Throughput.
  step(`throughput: ${n.pairs} pairs, 2 s warm-up + ${n.duration} s measured`);
  let throughputCpu: CpuUse | undefined;
  const throughput = await measureThroughput(env, env.tag, {
    pairs: n.pairs,
    warmupSeconds: 2,
    durationSeconds: n.duration,
    onWindow: async (edge) => {
      if (edge === 'start') {
        await meter.begin();
      } else {
        throughputCpu = await meter.end();
      }
    },
  });
  profiles.throughput = await env.saveProfile('throughput');
  const roundTrip = summarize(throughput.latencies);
  const cpuPerRoundTrip =
    throughputCpu && throughputCpu.coordinator_ms !== null && throughput.roundTrips > 0
      ? round(throughputCpu.coordinator_ms / throughput.roundTrips, 3)
      : null;

  // 5. Scale.
  step(`scale: ${n.waiters} agents blocked in wait_for_request`);
  const scale = await measureScale(env, env.tag, {
    waiters: n.waiters,
    wakeSamples: n['scale-wakes'],
    observe: {
      rssMb: () => env.coordinatorRssMb(),
      redisClients: async () => (env.probe ? await env.probe.clients() : null),
    },
  });
  profiles.scale = await env.saveProfile('scale');
  const scaleWake = summarize(scale.wake);
  const healthAfter = await fetch(`${env.url}/api/health`).then(
    (response) => response.status,
    () => 0,
  );

  // 7. Teamwork, before the large inbox fills Redis.
  step(`teamwork: ${n.workers} workers drain a board of ${n.tasks} tasks`);
  const { result: claims, cpu: claimsCpu } = await phaseCpu('claims', () =>
    measureClaims(env, env.tag, { tasks: n.tasks, workers: n.workers }),
  );
  const claimLatency = summarize(claims.claimLatencies);
  step(`teamwork: ${n['publish-samples']} messages published and received, then to a topic of ${n.subscribers}`);
  const { result: published, cpu: publishCpu } = await phaseCpu('publish', () =>
    measurePublish(env, env.tag, { samples: n['publish-samples'], subscribers: n.subscribers }),
  );
  const publishReceive = summarize(published.direct);
  const fanOut = summarize(published.fanOut);

  // 6. Large inbox. Last: its few hundred MB stay in Redis until the bench ends, where they
  // would skew the scenarios above.
  step(`large inbox: ${n.inbox} requests of ${n['inbox-bytes']} bytes from ${n['inbox-senders']} senders, then reads`);
  const { result: inbox, cpu: inboxCpu } = await phaseCpu('large-inbox', () =>
    measureLargeInbox(env, env.tag, {
      requests: n.inbox,
      bytes: n['inbox-bytes'],
      senders: n['inbox-senders'],
      samples: n['inbox-samples'],
      observe: {
        rssMb: () => env.coordinatorRssMb(),
        redisUsedMemoryMb: async () => (env.probe ? await env.probe.usedMemoryMb() : null),
      },
    }),
  );
  const inboxReads = {
    mcp_default: readFigures(inbox.mcpDefault),
    mcp_limit_100: readFigures(inbox.mcpLimit100),
    api_default: readFigures(inbox.apiDefault),
    api_limit_100: readFigures(inbox.apiLimit100),
  };
  const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

  // Report.
  const targets: Record<string, TargetResult> = {
    overhead: checkTarget('call overhead p50 vs floor', ratioP50, '×', '<=', 1.5),
    wakeP50: checkTarget('wake latency p50', wake.p50, 'ms', '<=', 2),
    wakeP99: checkTarget('wake latency p99', wake.p99, 'ms', '<=', 10),
    throughput: checkTarget(
      `round trips/s with ${throughput.agents} agents`,
      throughput.roundTripsPerSecond,
      '/s',
      '>=',
      500,
    ),
    throughputErrors: checkTarget('throughput errors', throughput.errors, '', '<=', 0),
    connections: checkTarget(
      `Redis connections with ${scale.waiters} blocked`,
      scale.blocked.redisClients?.others,
      '',
      '<=',
      3,
    ),
    rss: checkTarget(`coordinator RSS with ${scale.waiters} blocked`, scale.blocked.rssMb, 'MB', '<=', 300),
    inboxFullSize: checkTarget(
      `full-size sends (${kb(inbox.bytes)} message + ${kb(inbox.bytes)} context) refused`,
      inbox.fullSizeRefused === null ? 0 : 1,
      '',
      '<=',
      0,
    ),
    inboxPage: checkTarget(
      `get_pending_requests limit 100 response, ${inbox.requests} in the inbox`,
      inboxReads.mcp_limit_100.response_bytes.max === null
        ? null
        : round(inboxReads.mcp_limit_100.response_bytes.max / 1048576, 2),
      'MB',
      '<=',
      1,
    ),
    inboxRss: checkTarget(`coordinator RSS peak, ${inbox.requests}-request inbox`, inbox.peakRssMb, 'MB', '<=', 300),
    inboxErrors: checkTarget('large inbox errors', inbox.errors, '', '<=', 0),
    claimsExact: checkTarget(
      `tasks done exactly once (${claims.tasks} created)`,
      claims.done === claims.tasks && claims.claims === claims.tasks && claims.claimedTwice === 0 ? 0 : 1,
      '',
      '<=',
      0,
    ),
    fanOutExact: checkTarget(
      `subscribers that got the topic message (of ${published.subscribers})`,
      published.fanOutReceived,
      '',
      '>=',
      published.subscribers,
    ),
  };
  const clients = (snapshot: typeof scale.idle) =>
    snapshot.redisClients
      ? `${snapshot.redisClients.others} (${Object.entries(snapshot.redisClients.byName)
          .map(([name, count]) => `${name}×${count}`)
          .join(', ')})`
      : 'n/a';
  const errorNotes = (errors: number, samples: string[]) =>
    errors > 0 ? samples.map((sample) => `error: ${sample.slice(0, 160)}`) : [];

  const sections: Section[] = [
    {
      title: '1. Floor',
      rows: [
        { label: `bare MCP SDK tool call (ping, ${floorCall.count})`, value: formatLatency(floorCall) },
        { label: `Redis LPUSH→BLPOP delivery (${redisFloor.count})`, value: formatLatency(redisFloor) },
        {
          label: `bare MCP SDK, ${floorLoad.clients} clients at once`,
          value: `${floorLoad.callsPerSecond} calls/s = ${floorRoundTrips} round trips/s`,
        },
        {
          label: '  its call latency / server CPU per call',
          value: `${formatLatency(floorLoadLatency)} / ${formatMs(floorLoad.serverCpuMs)}`,
        },
      ],
      notes: [
        'a round trip is 4 calls; the floor under load is the most calls/s an SDK-based server gets on this machine with the clients beside it',
      ],
    },
    {
      title: '2. Call overhead (sequential, one client)',
      rows: [
        {
          label: `list_agents (${listAgents.count}; lists ${agentsListed} agent(s))`,
          value: formatLatency(listAgents),
        },
        { label: 'floor ping, same client', value: formatLatency(floorCall) },
        {
          label: 'ratio list_agents / floor at p50',
          value: `${ratioP50}× (p99 ${ratioP99}×)`,
          target: targets.overhead,
        },
        {
          label: 'server CPU per call: list_agents / floor',
          value: `${formatMs(listAgentsCpuPerCall)} / ${formatMs(floorCpuPerCall)}`,
        },
      ],
      notes: [formatCpu(callCpu)],
    },
    {
      title: '3. Wake latency (send_request issued → blocked wait_for_request returns)',
      rows: [
        { label: `p50 over ${wake.count} sends`, value: formatMs(wake.p50), target: targets.wakeP50 },
        { label: `p99 over ${wake.count} sends`, value: formatMs(wake.p99), target: targets.wakeP99 },
        { label: "send_request's own reply (same sends)", value: formatLatency(wakeSend) },
        { label: 'errors', value: String(wakeRun.errors) },
      ],
      notes: [formatCpu(wakeCpu), ...errorNotes(wakeRun.errors, wakeRun.errorSamples)],
    },
    {
      title: `4. Throughput (${throughput.pairs} pairs = ${throughput.agents} agents, ${throughput.measuredSeconds} s)`,
      rows: [
        {
          label: 'round trips/s',
          value: `${throughput.roundTripsPerSecond} (${throughput.roundTrips} round trips)`,
          target: targets.throughput,
        },
        { label: 'round trip (send→wait_for_response)', value: formatLatency(roundTrip) },
        { label: 'errors', value: String(throughput.errors), target: targets.throughputErrors },
        {
          label: 'coordinator CPU per round trip (4 calls)',
          value: cpuPerRoundTrip === null ? 'n/a' : `${cpuPerRoundTrip} ms`,
        },
        {
          label: 'share of the floor under load (section 1)',
          value: `${Math.round((100 * throughput.roundTripsPerSecond) / floorRoundTrips)}% of ${floorRoundTrips} round trips/s`,
        },
      ],
      notes: [
        ...(throughputCpu ? [formatCpu(throughputCpu)] : []),
        ...errorNotes(throughput.errors, throughput.errorSamples),
      ],
    },
    {
      title: `5. Scale (${scale.waiters} agents blocked in wait_for_request)`,
      rows: [
        {
          label: 'waits in flight / sockets / per coordinator',
          value: `${scale.blocked.blocked} / ${scale.blocked.sockets ?? 'n/a'} / ${scale.blocked.blockedPerCoordinator ?? 'n/a'}`,
        },
        { label: 'Redis connections (probe excluded)', value: clients(scale.blocked), target: targets.connections },
        {
          label: 'coordinator RSS',
          value: scale.blocked.rssMb === null ? 'n/a' : `${scale.blocked.rssMb} MB`,
          target: targets.rss,
        },
        {
          label: 'RSS before the waits (agents connected)',
          value: scale.idle.rssMb === null ? 'n/a' : `${scale.idle.rssMb} MB`,
        },
        {
          label: 'V8 heap in use before / with waits',
          value: `${scale.idle.heapUsedMb ?? 'n/a'} / ${scale.blocked.heapUsedMb ?? 'n/a'} MB (from /metrics)`,
        },
        {
          label: `wake latency of one blocked agent (${scaleWake.count}×)`,
          value: `p50 ${formatMs(scaleWake.p50)}  max ${formatMs(scaleWake.max)}`,
        },
        { label: 'waits returned early / errors', value: `${scale.returnedEarly} / ${scale.errors}` },
        { label: 'coordinator health after release', value: healthAfter === 200 ? '200 OK' : `HTTP ${healthAfter}` },
      ],
      notes: errorNotes(scale.errors, scale.errorSamples),
    },
    {
      title: `6. Large inbox (${inbox.requests} requests, each ${kb(inbox.bytes)} message + ${kb(inbox.contextBytes)} context)`,
      rows: [
        {
          label: `fill: send_request × ${inbox.requests}, ${inbox.fill.senders} senders`,
          value: `${inbox.fill.requestsPerSecond} requests/s, ${inbox.fill.payloadMbPerSecond} MB/s (${inbox.fill.seconds} s)`,
        },
        {
          label: `a full-size send (${kb(inbox.bytes)} + ${kb(inbox.bytes)}) refused`,
          value:
            inbox.fullSizeRefused === null
              ? 'no'
              : `yes: ${/\b413\b/.test(inbox.fullSizeRefused) ? 'HTTP 413' : 'error'}`,
          target: targets.inboxFullSize,
        },
        ...readRows(inbox.mcpDefault, 'get_pending_requests, default page'),
        ...readRows(inbox.mcpLimit100, 'get_pending_requests limit 100', targets.inboxPage),
        ...readRows(inbox.apiDefault, 'GET /api/pending, default'),
        ...readRows(inbox.apiLimit100, 'GET /api/pending?limit=100'),
        {
          label: 'coordinator RSS before / filled / after reads',
          value: memoryRow(inbox, 'rssMb'),
        },
        {
          label: 'coordinator RSS peak (fill and reads)',
          value: inbox.peakRssMb === null ? 'n/a' : `${inbox.peakRssMb} MB`,
          target: targets.inboxRss,
        },
        {
          label: 'V8 heap in use before / filled / after reads',
          value: `${memoryRow(inbox, 'heapUsedMb')} (/metrics)`,
        },
        { label: 'Redis used_memory before / filled / after', value: memoryRow(inbox, 'redisUsedMemoryMb') },
        { label: 'errors', value: String(inbox.errors), target: targets.inboxErrors },
      ],
      notes: [
        formatCpu(inboxCpu),
        `${inbox.mcpDefault.latencies.length} reads of each kind, interleaved; the default page is re-read from the start, limit 100 follows next_cursor (handing out new pages); sizes are HTTP response bodies`,
        ...(inbox.fullSizeRefused === null
          ? []
          : [
              `a ${kb(inbox.bytes)} message with a ${kb(inbox.bytes)} context, each within C3PO_MAX_MESSAGE_BYTES, was refused: ${inbox.fullSizeRefused.slice(0, 120)}; filled with ${kb(inbox.contextBytes)} contexts instead`,
            ]),
        ...errorNotes(inbox.errors, inbox.errorSamples),
      ],
    },
    {
      title: `7. Teamwork (task board and messages), beside the request figures of the same run`,
      rows: [
        {
          label: `claims/s, ${claims.workers} workers claiming and completing`,
          value: `${claims.claimsPerSecond} (${claims.claims} claims in ${round(claims.claimSeconds, 1)} s)`,
        },
        { label: 'claim_task latency under that load', value: formatLatency(claimLatency) },
        {
          label: 'tasks done / claimed twice / errors',
          value: `${claims.done} of ${claims.tasks} / ${claims.claimedTwice} / ${claims.errors}`,
          target: targets.claimsExact,
        },
        { label: `create_task × ${claims.tasks}, 4 creators`, value: `${round(claims.createSeconds, 1)} s` },
        {
          label: `publish → check_messages has it (${publishReceive.count})`,
          value: formatLatency(publishReceive),
        },
        {
          label: `publish to a topic of ${published.subscribers} (${fanOut.count})`,
          value: formatLatency(fanOut),
          target: targets.fanOutExact,
        },
        { label: 'send → blocked wait_for_request (section 3)', value: formatLatency(wake) },
        { label: 'request round trip, 100 agents (section 4)', value: formatLatency(roundTrip) },
        { label: 'bare MCP SDK tool call (section 1)', value: formatLatency(floorCall) },
      ],
      notes: [
        formatCpu(claimsCpu),
        formatCpu(publishCpu),
        ...errorNotes(claims.errors, claims.errorSamples),
        ...errorNotes(published.errors, published.errorSamples),
      ],
    },
  ];

  const header = [
    `C3PO benchmark, ${new Date(startedAt).toISOString()}`,
    `machine: ${machine.cpu_model}, ${machine.cores} cores, ${machine.total_memory_mb} MB, ${machine.os}, node ${machine.node_version}${machine.redis_version ? `, redis ${machine.redis_version}` : ''}`,
    `load average (1 min) before the run: ${machine.load_average_1m} (other work on the machine skews every figure)`,
    `build: ${env.build}`,
    ...env.placement.map((line) => `where: ${line}`),
    ...(options.environment.profileDir
      ? ['NOTE: --cpu-prof is on: the coordinator runs under the profiler, figures are slower']
      : []),
  ];
  const allTargets = Object.values(targets);
  console.log(`\n${header.join('\n')}\n\n${renderTable(sections)}\n\n${renderTargets(allTargets)}`);

  const results = {
    generated_at: new Date(startedAt).toISOString(),
    duration_s: round((Date.now() - startedAt) / 1000, 1),
    command: `node bench/run.ts ${process.argv.slice(2).join(' ')}`.trim(),
    machine,
    build: env.build,
    placement: env.placement,
    api_keys: env.apiKey !== undefined,
    cpu_profiled: options.environment.profileDir !== undefined,
    floor: {
      mcp_tool_call_ms: floorCall,
      redis_lpush_blpop_ms: redisFloor,
      mcp_under_load: {
        clients: floorLoad.clients,
        seconds: floorLoad.seconds,
        calls_per_s: floorLoad.callsPerSecond,
        round_trip_equivalents_per_s: floorRoundTrips,
        call_ms: floorLoadLatency,
        server_cpu_ms_per_call: floorLoad.serverCpuMs,
        server_cpu_pct: floorLoad.serverCpuPct,
      },
    },
    call_overhead: {
      tool: 'list_agents',
      agents_listed: agentsListed,
      list_agents_ms: listAgents,
      floor_ping_ms: floorCall,
      ratio_p50: ratioP50,
      ratio_p99: ratioP99,
      server_cpu_ms_per_call: { list_agents: nullIfNaN(listAgentsCpuPerCall), floor_ping: nullIfNaN(floorCpuPerCall) },
      cpu: callCpu,
    },
    wake_latency: {
      wake_ms: wake,
      send_request_ms: wakeSend,
      errors: wakeRun.errors,
      error_samples: wakeRun.errorSamples,
      cpu: wakeCpu,
    },
    throughput: {
      pairs: throughput.pairs,
      agents: throughput.agents,
      measured_s: throughput.measuredSeconds,
      round_trips: throughput.roundTrips,
      round_trips_per_s: throughput.roundTripsPerSecond,
      round_trip_ms: roundTrip,
      errors: throughput.errors,
      error_samples: throughput.errorSamples,
      coordinator_cpu_ms_per_round_trip: cpuPerRoundTrip,
      share_of_floor_under_load: round(throughput.roundTripsPerSecond / floorRoundTrips, 3),
      cpu: throughputCpu,
    },
    scale: {
      waiters: scale.waiters,
      idle: scale.idle,
      blocked: scale.blocked,
      wake_ms: scaleWake,
      returned_early: scale.returnedEarly,
      errors: scale.errors,
      error_samples: scale.errorSamples,
      health_after_release: healthAfter,
    },
    large_inbox: {
      requests: inbox.requests,
      message_bytes: inbox.bytes,
      context_bytes: inbox.contextBytes,
      full_size_refused: inbox.fullSizeRefused,
      fill: {
        senders: inbox.fill.senders,
        seconds: inbox.fill.seconds,
        requests_per_s: inbox.fill.requestsPerSecond,
        payload_mb_per_s: inbox.fill.payloadMbPerSecond,
      },
      memory: { before: inbox.before, filled: inbox.filled, after_reads: inbox.afterReads },
      peak_rss_mb: inbox.peakRssMb,
      reads: inboxReads,
      errors: inbox.errors,
      error_samples: inbox.errorSamples,
      cpu: inboxCpu,
    },
    teamwork: {
      claims: {
        tasks: claims.tasks,
        workers: claims.workers,
        claims: claims.claims,
        claims_per_s: claims.claimsPerSecond,
        claim_ms: claimLatency,
        done: claims.done,
        claimed_twice: claims.claimedTwice,
        create_s: round(claims.createSeconds, 2),
        errors: claims.errors,
        error_samples: claims.errorSamples,
        cpu: claimsCpu,
      },
      publish_receive_ms: publishReceive,
      topic_publish_ms: { subscribers: published.subscribers, publish_ms: fanOut, received: published.fanOutReceived },
      publish_errors: published.errors,
      publish_error_samples: published.errorSamples,
      cpu: publishCpu,
      request_round_trip_ms: roundTrip,
    },
    targets: allTargets,
    cpu_profiles: profiles,
  };
  const out = resolveFromRoot(options.strings.out!);
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  step(`wrote ${out}`);
}

/** A read series as results.json holds it: latency summary, response sizes, what it saw. */
function readFigures(series: ReadSeries) {
  return {
    what: series.what,
    limit: series.limit,
    latency_ms: summarize(series.latencies),
    response_bytes: {
      min: series.bytes.length > 0 ? Math.min(...series.bytes) : null,
      max: series.bytes.length > 0 ? Math.max(...series.bytes) : null,
    },
    requests_returned: series.returned,
    total_reported: series.total,
  };
}

/** Two table rows for a read series: its latency, then its largest response. */
function readRows(series: ReadSeries, label: string, target?: TargetResult): Row[] {
  return [
    { label: `${label} (${series.latencies.length}×)`, value: formatLatency(summarize(series.latencies)) },
    {
      label: `  response, ${series.returned ?? 'n/a'} requests`,
      value: series.bytes.length > 0 ? formatBytes(Math.max(...series.bytes)) : 'n/a',
      target,
    },
  ];
}

function memoryRow(
  inbox: { before: MemorySnapshot; filled: MemorySnapshot; afterReads: MemorySnapshot },
  field: keyof MemorySnapshot,
): string {
  return `${[inbox.before, inbox.filled, inbox.afterReads].map((snapshot) => snapshot[field] ?? 'n/a').join(' / ')} MB`;
}

function nullIfNaN(value: number): number | null {
  return Number.isNaN(value) ? null : value;
}
