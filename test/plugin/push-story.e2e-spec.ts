import { ClaudeSession, DEV_CHANNELS_FLAG } from '../support/claude-session.js';
import { Coordinator, eventually, startCoordinator } from '../support/coordinator.js';
import { Agent } from '../support/mcp-clients.js';
import {
  ContentBlock,
  ModelRequest,
  ModelStandIn,
  newText,
  textOf,
  toolResults,
  Turn,
} from '../support/model-stand-in.js';

const QUESTION = 'Which port does the staging coordinator listen on?';
const ANSWER = 'Staging listens on 8421.';
/** What bob's Claude last says, once it has answered. */
const DONE = 'Answered alice.';
/** The first words of the PostToolUse nudge about alice's request. */
const NUDGE = 'C3PO: alice asks you:';
/** What the Stop hook's reason says while requests wait. */
const STOP_REASON = 'waiting for your answer';
/** What SessionStart tells Claude when one request waits. */
const WAITING_AT_START = '1 request is waiting for you';
/** The user's prompt in bob's pane, and Claude's reply. */
const PROMPT = 'What is 2 + 2?';
const PROMPT_REPLY = 'It is 4.';
/** The user's prompt that makes bob's Claude run a long tool. */
const SLOW_PROMPT = 'Run the slow step.';

/**
 * The story, with the real interactive Claude Code in tmux as bob (project folder `bob`,
 * so its agent id is `bob`), a scripted model playing bob's Claude, the coordinator in-process,
 * and alice as a plain MCP client: how a request reaches bob's session with push on (it starts a
 * turn by itself), with push off (the Stop hook, once the user types), sent before bob's session
 * started (SessionStart), and in the middle of a long tool call (the PostToolUse nudge). Each test
 * has its own coordinator, model and session, all closed after it, passed or not.
 */
describe('a request from alice reaching the real Claude Code session of bob', () => {
  let coordinator: Coordinator | undefined;
  let model: ModelStandIn | undefined;
  let alice: Agent | undefined;
  let bob: ClaudeSession | undefined;

  /** The coordinator, bob's model (playing `brain`) and alice, registered. */
  async function setUp(brain: (request: ModelRequest) => Turn, env: Record<string, string> = {}) {
    // The push stream's heartbeat re-check set out of the way: a push here comes from the
    // request's wake-up, never from a re-check that found what a lost wake-up missed.
    coordinator = await startCoordinator({ C3PO_PUSH_HEARTBEAT_S: '3600', ...env });
    model = await ModelStandIn.start(brain);
    alice = await Agent.registered(coordinator.url, 'alice');
    return { coordinator, model, alice };
  }

  /**
   * Bob's Claude Code, at its prompt, connected to both of the plugin's servers, with its
   * SessionStart hook done (bob is registered). `push`: started with C3PO's channels.
   */
  async function startBob(push: boolean, allowedTools?: string[]): Promise<ClaudeSession> {
    bob = await ClaudeSession.start({
      modelUrl: model!.url,
      project: 'bob',
      env: { C3PO_COORDINATOR_URL: coordinator!.url },
      // The remote feature flag is on in both cases: only the flag a user types differs.
      channelsFeature: true,
      args: push ? [DEV_CHANNELS_FLAG, 'plugin:c3po@c3po'] : [],
      mcpServers: ['plugin:c3po:c3po', 'plugin:c3po:push'],
      ...(allowedTools && { allowedTools }),
    });
    if (push) {
      await bob.waitForLog('MCP server "plugin:c3po:push": Channel notifications registered');
    }
    await eventually(
      async () => {
        const { agents } = await alice!.ok('list_agents');
        return agents.some(
          (agent: { agent_id: string; push?: boolean }) => agent.agent_id === 'bob' && agent.push === push,
        );
      },
      `bob listed with push: ${push}`,
      15_000,
    );
    // Past the push an opening stream makes of what already waits (C3PO_PUSH_BATCH_MS, 500 ms),
    // so that a request sent now reaches bob by its own wake-up, not by that push.
    await sleep(1_500);
    return bob;
  }

  /** alice asks bob and waits for the answer (60 s at most); the wait is returned, not awaited. */
  async function aliceAsks(): Promise<{ requestId: string; answer: Promise<Record<string, any>> }> {
    const sent = await alice!.ok('send_request', { target: 'bob', message: QUESTION });
    const answer = alice!.ok('wait_for_response', { request_id: sent.request_id, timeout: 60 });
    // A test that fails before awaiting it must not leave a rejection unhandled.
    answer.catch(() => undefined);
    return { requestId: sent.request_id as string, answer };
  }

  /** Polls the model's requests until `check` holds; on timeout, throws with what bob's Claude saw last. */
  async function untilModel(check: (turns: ModelRequest[]) => boolean, what: string, limitMs = 20_000) {
    await eventually(() => check(model!.turns), what, limitMs).catch(async (error: Error) => {
      const last = model!.turns.at(-1);
      const pane = await bob?.capture().catch(() => '');
      throw new Error(
        `${error.message}\n--- last model input ---\n${last ? newText(last).slice(-2_000) : '(none)'}\n--- pane ---\n${pane}`,
      );
    });
  }

  afterEach(async () => {
    // Each part is closed even when an earlier one fails to, and even after a failed test.
    await bob?.stop().catch(() => undefined);
    await alice?.close().catch(() => undefined);
    await model?.close().catch(() => undefined);
    await coordinator?.close().catch(() => undefined);
    [bob, alice, model, coordinator] = [undefined, undefined, undefined, undefined];
  });

  it('answers a request pushed into an idle session with push on, with no keystroke', async () => {
    const brain = (request: ModelRequest): Turn => {
      const answering = answeringTurn(request);
      if (answering) {
        return answering;
      }
      const pushed = channelBlocks(newText(request)).some(
        (block) => block.attributes.source === 'plugin:c3po:push' && block.attributes.kind === 'request',
      );
      return pushed ? { tool: '__get_pending_requests' } : { text: 'Nothing to do.' };
    };
    const { alice } = await setUp(brain);
    const bob = await startBob(true);
    const keysAtPrompt = bob.keysSent.length;

    const { requestId, answer } = await aliceAsks();

    await untilModel((turns) => turns.length > 0, 'a turn in the idle session');
    const seen = model!.turns.flatMap((turn) => channelBlocks(newText(turn)));
    expect(seen).toContainEqual({
      attributes: expect.objectContaining({
        source: 'plugin:c3po:push',
        kind: 'request',
        from: 'alice',
        request_id: requestId,
      }),
      content: expect.stringContaining(QUESTION),
    });
    expect(await answer).toMatchObject({ status: 'answered', from_agent: 'bob', response: ANSWER });
    await bob.waitFor(DONE);
    expect(bob.keysSent.slice(keysAtPrompt)).toEqual([]);
    const status = await alice.ok('get_request_status', { request_id: requestId });
    expect(status).toMatchObject({ state: 'answered', pushed_at: expect.any(String), seen_at: expect.any(String) });
    const receipts = [status.pushed_at, status.seen_at, status.answered_at].map((iso: string) => Date.parse(iso));
    expect(receipts).toEqual([...receipts].sort((a, b) => a - b));
  }, 90_000);

  it('answers through the Stop hook once the user types, with push off, and tells the user push is off', async () => {
    const brain = (request: ModelRequest): Turn => {
      const answering = answeringTurn(request);
      if (answering) {
        return answering;
      }
      const fresh = newText(request);
      if (fresh.includes(STOP_REASON) && fresh.includes(`- alice: ${QUESTION}`)) {
        return { tool: '__get_pending_requests' };
      }
      return fresh.includes(PROMPT) ? { text: PROMPT_REPLY } : { text: 'Nothing to do.' };
    };
    const { alice, model } = await setUp(brain);
    const bob = await startBob(false);
    await bob.waitFor('push is off in this session');

    const askedAt = model.requests.length;
    const { requestId, answer } = await aliceAsks();
    // Nothing can reach this session by itself: for a few seconds, no turn, and no push recorded.
    await sleep(3_000);
    expect(model.requests.slice(askedAt).map(newText)).toEqual([]);
    expect(await bob.capture()).not.toContain('← push');
    const status = await alice.ok('get_request_status', { request_id: requestId });
    expect(status.state).toBe('queued');
    expect(status.pushed_at).toBeUndefined();

    await bob.type(PROMPT);

    await untilModel((turns) => turns.some((turn) => newText(turn).includes(STOP_REASON)), 'the Stop hook to block');
    expect(await answer).toMatchObject({ status: 'answered', from_agent: 'bob', response: ANSWER });
    await bob.waitFor(DONE);
    const turns = model.turns.map(newText);
    const prompted = turns.findIndex((text) => text.includes(PROMPT));
    const blocked = turns.findIndex((text) => text.includes(STOP_REASON));
    expect(prompted).toBeGreaterThanOrEqual(0);
    // The prompt was answered first; only then did the Stop hook keep bob's Claude working.
    expect(blocked).toBeGreaterThan(prompted);
    expect(model.turns[blocked].messages.map(textOf).join('\n')).toContain(PROMPT_REPLY);
    expect(turns[blocked]).toContain(`- alice: ${QUESTION}`);
  }, 90_000);

  it('names a request sent before the session started in what Claude is told at start, and answers it', async () => {
    const brain = (request: ModelRequest): Turn => {
      const answering = answeringTurn(request);
      if (answering) {
        return answering;
      }
      return newText(request).includes(WAITING_AT_START)
        ? { tool: '__get_pending_requests' }
        : { text: 'Nothing to do.' };
    };
    const { coordinator, model } = await setUp(brain);
    // Bob used C3PO before, and is away when alice asks.
    const earlier = await Agent.registered(coordinator.url, 'bob');
    await earlier.close();
    const { answer } = await aliceAsks();

    const bob = await startBob(false);
    await bob.type(PROMPT);

    await untilModel((turns) => turns.length > 0, 'the first turn');
    const [first] = model.turns.map(newText);
    expect(first).toContain(`SessionStart hook additional context: C3PO: you are agent "bob"`);
    expect(first).toContain(WAITING_AT_START);
    expect(await answer).toMatchObject({ status: 'answered', from_agent: 'bob', response: ANSWER });
    await bob.waitFor(DONE);
    const turns = model.turns.map(newText);
    // Answered from what the session was told at start, in the first turn: no Stop hook had to block.
    expect(turns.filter((text) => text.includes(STOP_REASON))).toEqual([]);
  }, 90_000);

  it('nudges Claude once, after a long tool call, about a request that arrived during it', async () => {
    let slowCallMade = false;
    const brain = (request: ModelRequest): Turn => {
      const answering = answeringTurn(request);
      if (answering) {
        return answering;
      }
      const fresh = newText(request);
      const bashCalls = callsTo(request, 'Bash');
      if (fresh.includes(NUDGE) && bashCalls === 1) {
        // The current step goes on with another tool: its PostToolUse must not nudge again.
        return { tool: 'Bash', input: { command: 'sleep 0.2', description: 'Finish the step' } };
      }
      if (bashCalls >= 1 && occurrences(request, NUDGE) > 0) {
        return { tool: '__get_pending_requests' };
      }
      if (fresh.includes(SLOW_PROMPT)) {
        slowCallMade = true;
        return { tool: 'Bash', input: { command: 'sleep 4', description: 'The slow step' } };
      }
      return { text: 'Done.' };
    };
    // No nudge interval: only the once-per-request memory keeps the second tool call from nudging.
    const { model } = await setUp(brain, { C3PO_NUDGE_INTERVAL_S: '0' });
    const bob = await startBob(false, ['mcp__plugin_c3po_c3po', 'Bash(sleep:*)']);

    await bob.type(SLOW_PROMPT);
    await untilModel(() => slowCallMade, 'the slow tool call');
    const { answer } = await aliceAsks();

    // What the model is given once the slow call returns.
    const afterSlowCall = (turn: ModelRequest) => callsTo(turn, 'Bash') === 1 && toolResults(turn).length > 0;
    await untilModel((turns) => turns.some(afterSlowCall), 'the model to be called after the slow tool call');
    expect(newText(model.turns.find(afterSlowCall)!)).toContain(
      `PostToolUse:Bash hook additional context: ${NUDGE} "${QUESTION}"`,
    );
    expect(await answer).toMatchObject({ status: 'answered', from_agent: 'bob', response: ANSWER });
    await bob.waitFor(DONE);
    const last = model.turns.at(-1)!;
    expect(callsTo(last, 'Bash')).toBe(2);
    expect(occurrences(last, NUDGE)).toBe(1);
  }, 90_000);
});

/** Bob's Claude once it has asked for what waits: answers alice's request, then says so. */
function answeringTurn(request: ModelRequest): Turn | undefined {
  const results = toolResults(request);
  if (results.some((result) => result.tool.endsWith('__respond_to_request'))) {
    return { text: DONE };
  }
  const pending = results.find((result) => result.tool.endsWith('__get_pending_requests'));
  if (!pending) {
    return undefined;
  }
  const { requests } = JSON.parse(pending.text) as { requests: { request_id: string; from_agent: string }[] };
  const asked = requests.find((r) => r.from_agent === 'alice');
  return asked
    ? { tool: '__respond_to_request', input: { request_id: asked.request_id, response: ANSWER } }
    : { text: 'No request from alice.' };
}

/** The `<channel …>…</channel>` blocks in `text`, with their attributes. */
function channelBlocks(text: string): { attributes: Record<string, string>; content: string }[] {
  return [...text.matchAll(/<channel((?:\s+[A-Za-z_][A-Za-z0-9_]*="[^"]*")*)>\n?([\s\S]*?)<\/channel>/g)].map(
    ([, attributes, content]) => ({
      attributes: Object.fromEntries(
        [...attributes.matchAll(/([A-Za-z_][A-Za-z0-9_]*)="([^"]*)"/g)].map(([, k, v]) => [k, v]),
      ),
      content,
    }),
  );
}

/** How many times the model called `tool` in the conversation so far. */
function callsTo(request: ModelRequest, tool: string): number {
  return request.messages
    .filter((message) => message.role === 'assistant' && Array.isArray(message.content))
    .flatMap((message) => message.content as ContentBlock[])
    .filter((block) => block.type === 'tool_use' && block.name === tool).length;
}

/** How often `needle` occurs in the whole conversation of `request`. */
function occurrences(request: ModelRequest, needle: string): number {
  return request.messages.map(textOf).join('\n').split(needle).length - 1;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
