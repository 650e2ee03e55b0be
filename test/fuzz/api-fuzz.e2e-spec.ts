import fc from 'fast-check';
import { CoordinatorProcess } from '../support/coordinator-process.js';
import { eventually, uniquePrefix } from '../support/coordinator.js';
import { Agent, ClientKind } from '../support/mcp-clients.js';
import { FuzzArbitraries, FuzzCase, FuzzTargets } from './fuzz-arbitraries.js';
import { FuzzRunner } from './fuzz-runner.js';
import { PreFuzzRequests, RequestsSnapshot } from './pre-fuzz-requests.js';
import {
  PRE_FUZZ_BOARD,
  PRE_FUZZ_PATHS,
  PRE_FUZZ_TOPIC,
  PreFuzzTeamState,
  TeamStateSnapshot,
} from './pre-fuzz-team-state.js';

/**
 * Issue 10: property-based fuzzing of /mcp and the REST API against the real coordinator
 * process, the request tools and (issue 12) the task board, message, finding and reservation
 * tools and routes. Every case must get a status below 500 with no internals in its body, must
 * leave nothing alarming in the coordinator's output, and must leave the process running; after
 * all of them the process is ready, serves real clients, and the requests and team state stored
 * before are intact.
 *
 * FUZZ_SEED replays a run (the seed is printed at the end, and fast-check names it and the path
 * of a failing case); FUZZ_RUNS sets the cases per family; FUZZ_SHRINK=1 shrinks a failure
 * (off by default: cases change the coordinator's state, so a shrunk case may not fail alone).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261125);
const SHRINK = process.env.FUZZ_SHRINK === '1';
const MAX_MESSAGE_BYTES = 64 * 1024;

/**
 * Cases per family and mode: about 5,000, some 20 s per coordinator here. Tool calls and REST
 * cover 32 tools and their routes, so they have the most; a walk-away costs its 20-200 ms.
 */
const FAMILIES: { name: string; runs: number; cases: (arbitraries: FuzzArbitraries) => fc.Arbitrary<FuzzCase> }[] = [
  { name: 'tool-call', runs: 2400, cases: (a) => a.toolCalls() },
  { name: 'json-rpc', runs: 700, cases: (a) => a.jsonRpc() },
  { name: 'malformed-json', runs: 250, cases: (a) => a.malformedBodies() },
  { name: 'rest', runs: 1500, cases: (a) => a.rest() },
  { name: 'raw-http', runs: 150, cases: (a) => a.raw() },
  { name: 'walk-away', runs: 50, cases: (a) => a.walkAways() },
];

function runsFor(family: { runs: number }): number {
  return process.env.FUZZ_RUNS ? Number(process.env.FUZZ_RUNS) : family.runs;
}

interface Mode {
  name: string;
  /** Set: API keys on, every agent call needs a key for its agent id. */
  adminToken?: string;
}

const modes: Mode[] = [{ name: 'keys on', adminToken: 'fuzz-admin-'.padEnd(48, 'x') }, { name: 'keys off, loopback' }];

/** A key through the admin API, as an operator makes one. */
async function mintKey(url: string, adminToken: string, name: string, agent: string): Promise<string> {
  const response = await fetch(`${url}/api/admin/keys`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ name, agent }),
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { key: string }).key;
}

describe.each(modes)('the coordinator process under fuzzing ($name)', (mode) => {
  const prefix = uniquePrefix();
  /** Each fuzz agent's key pattern: an exact id and two globs. */
  const callers: Record<string, string> = { 'fz-1': 'fz-1', 'fz-2': 'fz-?', 'fz-3': 'fz-3*' };
  /** A fuzz agent no case sends to: its waits block until the case walks away. */
  const idle = 'fz-idle';
  let coordinator: CoordinatorProcess;
  let alice: Agent;
  let bob: Agent;
  let stored: PreFuzzRequests;
  let before: RequestsSnapshot;
  let team: PreFuzzTeamState;
  let teamBefore: TeamStateSnapshot;
  let runner: FuzzRunner;
  let arbitraries: FuzzArbitraries;
  let started = 0;

  /** A registered real client of either era, with a fresh key of its own when keys are on. */
  async function connect(id: string, kind: ClientKind): Promise<Agent> {
    const apiKey = mode.adminToken && (await mintKey(coordinator.url, mode.adminToken, `${id}-key`, id));
    const agent = await Agent.connect(coordinator.url, id, kind, { apiKey });
    await agent.ok('register_agent', {});
    return agent;
  }

  /** Registers a fuzz agent, so that sends to it get through from the first case. */
  async function register(id: string, key?: string): Promise<void> {
    const response = await fetch(`${coordinator.url}/api/agents/register`, {
      method: 'POST',
      headers: { 'X-Agent-ID': id, ...(key && { Authorization: `Bearer ${key}` }) },
    });
    expect(response.status).toBe(200);
  }

  beforeAll(async () => {
    started = Date.now();
    coordinator = await CoordinatorProcess.start({
      C3PO_KEY_PREFIX: prefix,
      C3PO_MAX_MESSAGE_BYTES: String(MAX_MESSAGE_BYTES),
      ...(mode.adminToken && { C3PO_ADMIN_TOKEN: mode.adminToken }),
      // The pre-fuzz claim's holder is idle throughout: its lease must outlast any run.
      C3PO_TASK_LEASE_S: String(7 * 24 * 3600),
      // Caps that evict the oldest: fuzz findings and messages must not push the pre-fuzz ones out.
      C3PO_MAX_FINDINGS: '100000',
      C3PO_TIMELINE_MAX_MESSAGES: '1000000',
    });
    alice = await connect('alice', 'sdk-1.x (2025-11-25)');
    bob = await connect('bob', 'client-2.x (2026-07-28)');
    stored = await PreFuzzRequests.store(alice, bob, prefix);
    before = await stored.snapshot();
    team = await PreFuzzTeamState.store(alice, bob, prefix);
    teamBefore = await team.snapshot();
    const targets: FuzzTargets = {
      callers: Object.keys(callers),
      idle,
      owners: [alice.id, bob.id],
      // Copies: the runner adds the ids the fuzz agents make.
      requestIds: [...stored.requestIds],
      conversationIds: [...stored.conversationIds],
      boards: [PRE_FUZZ_BOARD, 'default', 'fz-board'],
      taskIds: [...team.taskIds],
      messageIds: [...team.messageIds],
      topics: [PRE_FUZZ_TOPIC, 'builds', 'fz.topic'],
      reservedPaths: [...PRE_FUZZ_PATHS],
    };
    if (mode.adminToken) {
      // The fuzz agents' keys only: the owners' keys never reach the fuzzer, so every call as an owner must fail.
      targets.keys = {};
      for (const [id, pattern] of [...Object.entries(callers), [idle, idle]]) {
        targets.keys[id] = await mintKey(coordinator.url, mode.adminToken, `${id}-key`, pattern);
      }
      targets.adminToken = mode.adminToken;
    }
    for (const id of [...targets.callers, idle]) {
      await register(id, targets.keys?.[id]);
    }
    runner = new FuzzRunner(coordinator, targets);
    arbitraries = new FuzzArbitraries(targets, MAX_MESSAGE_BYTES);
  });

  afterAll(async () => {
    await alice?.close();
    await bob?.close();
    const list = (counts?: Map<string, number>) => [...(counts ?? [])].map(([what, n]) => `${what}=${n}`).join(' ');
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    console.log(
      `fuzz (${mode.name}) seed=${SEED}: ${list(runner?.counts)} total=${runner?.total ?? 0} in ${seconds} s; ` +
        `answers ${list(runner?.reached)}`,
    );
    await coordinator?.kill();
  });

  it.each(FAMILIES)(
    'answers $name cases below 500, without internals, and keeps running',
    async (family) => {
      await fc.assert(
        fc.asyncProperty(
          family.cases(arbitraries).map((fuzzCase) => FuzzRunner.printable(fuzzCase)),
          (fuzzCase) => runner.check(family.name, fuzzCase),
        ),
        { seed: SEED, numRuns: runsFor(family), endOnFailure: !SHRINK },
      );
      const ready = await fetch(`${coordinator.url}/api/health`);
      expect(ready.status).toBe(200);
    },
    120_000,
  );

  it('ends every wait whose caller went away', async () => {
    // Fuzz waits last a second at most; the walk-away ones block until their caller goes.
    await eventually(async () => {
      const metrics = await (await fetch(`${coordinator.url}/metrics`)).text();
      return /^c3po_blocked_waiters 0$/m.test(metrics);
    }, 'no blocked waits');
  });

  it('keeps the requests stored before the fuzzing intact', async () => {
    expect(await stored.snapshot()).toEqual(before);
  });

  it('keeps the team state stored before the fuzzing intact', async () => {
    expect(await team.snapshot()).toEqual(teamBefore);
  });

  it('still carries a request and its answer between real clients of both eras', async () => {
    const carol = await connect('carol', 'sdk-1.x (2025-11-25)');
    const dave = await connect('dave', 'client-2.x (2026-07-28)');
    try {
      const { request_id } = await carol.ok('send_request', { target: 'dave', message: 'still there?' });
      const received = await dave.ok('wait_for_request', { timeout: 5 });
      expect(received.request).toMatchObject({ request_id, message: 'still there?' });
      await dave.ok('respond_to_request', { request_id, response: 'yes' });
      expect(await carol.ok('wait_for_response', { request_id, timeout: 5 })).toMatchObject({
        status: 'answered',
        response: 'yes',
      });
    } finally {
      await carol.close();
      await dave.close();
    }
  });

  it('logged no error and shuts down cleanly', async () => {
    expect(runner.newTrouble()).toEqual([]);
    expect(await coordinator.terminate()).toBe(0);
  });
});
