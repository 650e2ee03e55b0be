import { existsSync, writeFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { join } from 'node:path';
import { Agent } from '../support/mcp-clients.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { Host, HookRun, listenOnLoopback, removeScratchDirs, scratchDir } from './plugin-host.js';

const ADMIN_TOKEN = 'plugin-test-admin-token-0123456789abcdef';

/** Exit 0 and one stderr line naming the refused key, as every hook failure is explained. */
function expectKeyRefused(run: HookRun) {
  expect(run.code).toBe(0);
  expect(run.stderr).toMatch(
    /^c3po \w+ hook skipped: coordinator refused this host's API key \(HTTP 40[13]\)[^\n]*\n$/,
  );
}

/** The first refusal in a session: the user is told, in one systemMessage and nothing else. */
function expectUserTold(run: HookRun, serverSays: string) {
  expectKeyRefused(run);
  expect(Object.keys(run.json ?? {})).toEqual(['systemMessage']);
  const message: string = run.json?.systemMessage;
  expect(message).toMatch(/^C3PO: the coordinator (refused this host's API key|needs an API key from this host) \(/);
  expect(message).toContain(serverSays);
  expect(message).toContain('set C3PO_API_KEY');
  expect(message).not.toContain('\n');
}

/** Any later refusal in that session: back to the quiet fail-open. */
function expectQuiet(run: HookRun) {
  expectKeyRefused(run);
  expect(run.stdout).toBe('');
}

describe('the MCP server and C3PO_API_KEY', () => {
  let keysOn: Coordinator;
  let keysOff: Coordinator;

  beforeAll(async () => {
    // One after the other: startCoordinator sets process.env while the app reads its config.
    keysOn = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN });
    keysOff = await startCoordinator();
  });

  afterAll(async () => {
    await Promise.all([keysOn.close(), keysOff.close()]);
    removeScratchDirs();
  });

  it("sends Authorization: Bearer <C3PO_API_KEY> from .mcp.json, beside the helper's X-Agent-ID", async () => {
    const host = new Host('keyed', 'http://127.0.0.1:9');
    expect(await host.mcpHeaders({ C3PO_API_KEY: 'c3po_abc' })).toEqual({
      'X-Agent-ID': 'keyed',
      Authorization: 'Bearer c3po_abc',
    });
    // Claude Code strips key-like variables from the helper's environment: it must not rely on one.
    expect(await host.headers({ C3PO_API_KEY: 'c3po_abc' })).toEqual({ 'X-Agent-ID': 'keyed' });
  });

  it('sends an empty Bearer without a key: refused naming C3PO_API_KEY with keys on, ignored with keys off', async () => {
    const headers = await new Host('keyless', 'http://127.0.0.1:9').mcpHeaders();
    expect(headers).toEqual({ 'X-Agent-ID': 'keyless', Authorization: 'Bearer ' });
    // With an Authorization header sent, Claude Code shows a 403's message instead of trying OAuth.
    const refused = await fetch(`${keysOn.url}/api/agents`, { headers });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { message: string }).message).toContain('set C3PO_API_KEY');
    expect((await fetch(`${keysOff.url}/api/agents`, { headers })).status).toBe(200);
  });
});

describe('plugin hooks against a coordinator with API keys on', () => {
  let coordinator: Coordinator;
  let key: string;
  let aliceKey: string;
  let alice: Agent;

  async function createKey(name: string, agent: string): Promise<string> {
    const response = await fetch(`${coordinator.url}/api/admin/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name, agent }),
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { key: string }).key;
  }

  /** An agent's status as alice sees it (asking as the agent itself would count as a sign of life). */
  async function statusOf(agentId: string): Promise<string | undefined> {
    const response = await fetch(`${coordinator.url}/api/agents`, {
      headers: { 'X-Agent-ID': 'alice', Authorization: `Bearer ${aliceKey}` },
    });
    const { agents } = (await response.json()) as { agents: { agent_id: string; status: string }[] };
    return agents.find((agent) => agent.agent_id === agentId)?.status;
  }

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN });
    key = await createKey('hosts', 'host-*');
    aliceKey = await createKey('alice', 'alice');
    alice = await Agent.connect(coordinator.url, 'alice', undefined, { apiKey: aliceKey });
  });

  afterAll(async () => {
    await alice.close();
    await coordinator.close();
    removeScratchDirs();
  });

  it('sends the key from every hook, and the coordinator accepts them', async () => {
    const host = new Host('host-ok', coordinator.url, { C3PO_API_KEY: key });
    const start = await host.sessionStart('s-ok');
    expect(start).toMatchObject({ code: 0, stderr: '' });
    expect(start.json?.hookSpecificOutput.additionalContext).toContain('you are agent "host-ok"');
    expect(start.json?.systemMessage).toBeUndefined();
    expect(await statusOf('host-ok')).toBe('online');

    await alice.ok('send_request', { target: 'host-ok', message: 'are you there?' });
    const nudge = await host.postToolUse('s-ok');
    expect(nudge).toMatchObject({ code: 0, stderr: '' });
    expect(nudge.json?.hookSpecificOutput.additionalContext).toContain('C3PO: alice asks you: "are you there?"');
    const stop = await host.stop('s-ok', false);
    expect(stop).toMatchObject({ code: 0, stderr: '' });
    expect(stop.json?.decision).toBe('block');
    expect(stop.json?.reason).toContain('alice: are you there?');

    expect(await host.sessionEnd('s-ok')).toEqual({ code: 0, stdout: '', stderr: '', json: undefined });
    expect(await statusOf('host-ok')).toBe('offline');
  });

  it('with a wrong key, SessionStart and Stop fail open and tell the user once per session', async () => {
    const host = new Host('host-wrong', coordinator.url, { C3PO_API_KEY: 'c3po_wrong' });
    const serverSays = 'the API key in C3PO_API_KEY is not valid';
    expectUserTold(await host.sessionStart('s-wrong'), serverSays);
    expectQuiet(await host.stop('s-wrong', false));
    expectQuiet(await host.stop('s-wrong', false));
    expectQuiet(await host.sessionStart('s-wrong', 'resume'));

    // Another session is told again, whichever hook meets the refusal first.
    expectUserTold(await host.stop('s-other', false), serverSays);
    expectQuiet(await host.sessionStart('s-other', 'compact'));

    // PostToolUse is quiet too once the session was told.
    expectQuiet(await host.postToolUse('s-wrong'));

    // SessionEnd never prints, and forgets the session: a resumed session is told again.
    expect(existsSync(join(host.env.CLAUDE_PLUGIN_DATA, 'c3po-key-refused-s-wrong'))).toBe(true);
    expectQuiet(await host.sessionEnd('s-wrong'));
    expect(existsSync(join(host.env.CLAUDE_PLUGIN_DATA, 'c3po-key-refused-s-wrong'))).toBe(false);
    expectUserTold(await host.sessionStart('s-wrong', 'resume'), serverSays);
    expectQuiet(await host.sessionEnd('s-never-told'));
  });

  it('tells the user at the first hook of a session, a PostToolUse one included', async () => {
    const host = new Host('host-mid', coordinator.url, { C3PO_API_KEY: 'c3po_wrong' });
    expectUserTold(await host.postToolUse('s-mid'), 'the API key in C3PO_API_KEY is not valid');
    expectQuiet(await host.stop('s-mid', false));
  });

  it('tells the user at every hook when it cannot note that it did, rather than never', async () => {
    const file = join(scratchDir(), 'not-a-folder');
    writeFileSync(file, '');
    const host = new Host('host-forgetful', coordinator.url, {
      C3PO_API_KEY: 'c3po_wrong',
      CLAUDE_PLUGIN_DATA: join(file, 'data'),
    });
    expectUserTold(await host.sessionStart('s-forget'), 'the API key in C3PO_API_KEY is not valid');
    expectUserTold(await host.stop('s-forget', false), 'the API key in C3PO_API_KEY is not valid');
  });

  it('with TMPDIR and no plugin data folder, notes it under TMPDIR', async () => {
    const host = new Host('host-tmp', coordinator.url, { C3PO_API_KEY: 'c3po_wrong', TMPDIR: scratchDir() });
    delete (host.env as Record<string, string | undefined>).CLAUDE_PLUGIN_DATA;
    expectUserTold(await host.sessionStart('s-tmp'), 'the API key in C3PO_API_KEY is not valid');
    expectQuiet(await host.stop('s-tmp', false));
    expect(existsSync(join(host.env.TMPDIR, 'c3po-key-refused-s-tmp'))).toBe(true);
  });

  it.each([
    ['unset', {}],
    ['blank', { C3PO_API_KEY: ' ' }],
  ])('with C3PO_API_KEY %s, the message says to set it', async (_what, env: Record<string, string>) => {
    const host = new Host('host-none', coordinator.url, env);
    const run = await host.sessionStart('s-none');
    expectUserTold(run, 'no API key was sent (C3PO_API_KEY is unset or empty)');
    expect(run.json?.systemMessage).toMatch(/^C3PO: the coordinator needs an API key from this host/);
    expectQuiet(await host.stop('s-none', false));
  });

  it('with a key for other agent ids, the message names its pattern and C3PO_AGENT_ID', async () => {
    const host = new Host('laptop', coordinator.url, { C3PO_API_KEY: key });
    const run = await host.sessionStart('s-foreign');
    expectUserTold(run, "may act only as agent ids matching 'host-*', not 'laptop': set C3PO_AGENT_ID");
    // The same key works once the id matches its pattern.
    const renamed = new Host('laptop', coordinator.url, { C3PO_API_KEY: key, C3PO_AGENT_ID: 'host-laptop' });
    expect(await renamed.sessionStart('s-renamed')).toMatchObject({ code: 0, stderr: '' });
  });
});

describe('plugin hooks on a 403 that is not about the key', () => {
  let server: Server;
  let url: string;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      response
        .writeHead(403, { 'Content-Type': 'application/json' })
        .end('{"statusCode":403,"message":"Host header \'evil.example\' is not allowed"}');
    });
    url = await listenOnLoopback(server);
  });

  afterAll(() => {
    server.close();
    removeScratchDirs();
  });

  it('fails open quietly, as for any other error status', async () => {
    const host = new Host('host-elsewhere', url, { C3PO_API_KEY: 'c3po_any' });
    for (const run of [
      await host.sessionStart('s-403'),
      await host.stop('s-403', false),
      await host.postToolUse('s-403'),
    ]) {
      expect(run).toEqual({
        code: 0,
        stdout: '',
        stderr: expect.stringMatching(
          /^c3po \w+ hook skipped: coordinator answered 403 to \/api\/hooks\/[\w-]+: Host header 'evil.example' is not allowed\n$/,
        ),
        json: undefined,
      });
    }
  });
});
