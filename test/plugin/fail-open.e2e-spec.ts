import { chmodSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { join } from 'node:path';
import { Agent } from '../support/mcp-clients.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { freePort } from '../support/redis-server.js';
import { Host, HOST_TOOLS, hostPath, HookRun, listenOnLoopback, removeScratchDirs } from './plugin-host.js';

type Scenario =
  'closed port' | 'silent server' | 'non-JSON answer' | 'wrong JSON shape' | 'null answer' | 'error status';

/** Inputs each hook gets; a failure must look the same whichever event it hits. */
const events = {
  SessionStart: (host: Host) => host.sessionStart('s-fail'),
  Stop: (host: Host) => host.stop('s-fail', false),
  PostToolUse: (host: Host) => host.postToolUse('s-fail'),
  SessionEnd: (host: Host) => host.sessionEnd('s-fail'),
};

/** Exit 0, nothing on stdout (so no block, no context), one short line on stderr saying why. */
function expectFailedOpen(run: HookRun, why: RegExp = /.+/) {
  expect(run.code).toBe(0);
  expect(run.stdout).toBe('');
  expect(run.stderr).toMatch(/^c3po \w+ hook skipped: [^\n]{1,200}\n$/);
  expect(run.stderr).toMatch(why);
}

describe('plugin hooks fail open', () => {
  const urls = {} as Record<Scenario, string>;
  const servers: (HttpServer | TcpServer)[] = [];
  const sockets: Socket[] = [];
  let coordinator: Coordinator;
  let alice: Agent;

  beforeAll(async () => {
    coordinator = await startCoordinator();
    alice = await Agent.connect(coordinator.url, 'alice');
    urls['closed port'] = `http://127.0.0.1:${await freePort()}`;
    const silent = createTcpServer((socket) => sockets.push(socket));
    servers.push(silent);
    urls['silent server'] = await listenOnLoopback(silent);
    const answers: [Exclude<Scenario, 'closed port' | 'silent server'>, number, string][] = [
      ['non-JSON answer', 200, '<html>proxy error</html>'],
      ['wrong JSON shape', 200, '{"count":1,"requests":[{"request_id":7}],"agents":{},"session_conflict":5}'],
      ['null answer', 200, 'null'],
      ['error status', 503, '{"statusCode":503,"message":"storage unavailable, try again shortly"}'],
    ];
    for (const [scenario, status, body] of answers) {
      const server = createHttpServer((_request, response) => {
        response.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
      });
      servers.push(server);
      urls[scenario] = await listenOnLoopback(server);
    }
  });

  afterAll(async () => {
    sockets.forEach((socket) => socket.destroy());
    servers.forEach((server) => server.close());
    await alice.close();
    await coordinator.close();
    removeScratchDirs();
  });

  /** A host whose agent has a request waiting on the live coordinator: Stop would block. */
  async function hostWithWork(folder: string, env: Record<string, string> = {}): Promise<Host> {
    const host = new Host(folder, coordinator.url, env);
    expect((await host.sessionStart('s-setup')).code).toBe(0);
    await alice.ok('send_request', { target: host.env.C3PO_AGENT_ID ?? folder, message: 'are you there?' });
    const control = await host.stop('s-control', false);
    expect(control.json?.decision).toBe('block');
    return host;
  }

  describe.each(Object.keys(events) as (keyof typeof events)[])('%s', (event) => {
    it('exits 0 quietly when the coordinator has a closed port', async () => {
      expectFailedOpen(await events[event](new Host('offline', urls['closed port'])), /unreachable \(cannot connect\)/);
    });

    it('gives up on a silent coordinator within its budget', async () => {
      const before = sockets.length;
      const started = Date.now();
      const budget = event === 'PostToolUse' ? 1 : 3;
      expectFailedOpen(
        await events[event](new Host('offline', urls['silent server'])),
        new RegExp(`unreachable \\(no answer within ${budget} s\\)`),
      );
      expect(sockets.length).toBeGreaterThan(before); // it did try, and gave up on its own
      expect(Date.now() - started).toBeLessThan(budget * 1000 + 1500);
    });

    it('waits C3PO_HOOK_TIMEOUT_S instead, when set to 1-9', async () => {
      const host = new Host('offline', urls['silent server'], { C3PO_HOOK_TIMEOUT_S: '2' });
      expectFailedOpen(await events[event](host), /unreachable \(no answer within 2 s\)/);
    });

    it.each(['non-JSON answer', 'wrong JSON shape', 'null answer'] as Scenario[])(
      'exits 0 without printing a %s',
      async (scenario) => {
        expectFailedOpen(await events[event](new Host('confused', urls[scenario])), /sent a malformed answer/);
      },
    );

    it("exits 0 on an error status, with the coordinator's message", async () => {
      expectFailedOpen(
        await events[event](new Host('confused', urls['error status'])),
        /coordinator answered 503 to \/api\/hooks\/[\w-]+: storage unavailable, try again shortly\n$/,
      );
    });

    it('exits 0 quietly when curl is missing from PATH', async () => {
      const host = await hostWithWork(`no-curl-${event}`.toLowerCase());
      const run = await host.hook(
        event,
        { session_id: 's-x', hook_event_name: event, stop_hook_active: false },
        { PATH: hostPath(HOST_TOOLS.filter((tool) => tool !== 'curl')) },
      );
      expect(run).toEqual({
        code: 0,
        stdout: '',
        stderr: `c3po ${event} hook skipped: curl is not installed (C3PO hooks need sh and curl)\n`,
        json: undefined,
      });
    });

    it('exits 0 with nothing on stdout when curl itself crashes', async () => {
      const bin = hostPath(HOST_TOOLS.filter((tool) => tool !== 'curl'));
      writeFileSync(
        join(bin, 'curl'),
        '#!/bin/sh\necho "{\\"decision\\":\\"block\\"" \necho "Segmentation fault" >&2\nexit 139\n',
      );
      chmodSync(join(bin, 'curl'), 0o755);
      const host = await hostWithWork(`crashing-curl-${event}`.toLowerCase());
      const run = await host.hook(event, { session_id: 's-x', hook_event_name: event }, { PATH: bin });
      expect(run).toMatchObject({ code: 0, stdout: '' });
      expect(run.stderr).toMatch(/hook skipped: coordinator at \S+ unreachable \(curl exit 139\)\n$/);
    });
  });

  it.each([
    ['empty', ''],
    ['truncated before the session id', '{"stop_hook_active": false, "session_'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"stop"'],
    ['without a session id', '{"hook_event_name": "Stop", "stop_hook_active": false}'],
  ])('never blocks or adds context on %s stdin, and says why', async (_what, stdin) => {
    const host = await hostWithWork('garbage-in');
    for (const event of Object.keys(events) as (keyof typeof events)[]) {
      // The coordinator's own answer is the point here: a loaded test machine must not turn it
      // into PostToolUse's 1 s timeout.
      const run = await host.hook(event, stdin, { C3PO_HOOK_TIMEOUT_S: '9' });
      expectFailedOpen(run, /coordinator answered 400 to \/api\/hooks\/[\w-]+: \S/);
    }
  });

  it('never blocks on a Stop input without stop_hook_active', async () => {
    const host = await hostWithWork('half-stop');
    expectFailedOpen(
      await host.hook('Stop', { session_id: 's-half', hook_event_name: 'Stop' }),
      /coordinator answered 400 to \/api\/hooks\/stop: stop_hook_active must be true or false\n$/,
    );
  });

  it.each(['file:///etc/passwd', 'ftp://127.0.0.1/', 'gopher://127.0.0.1:70/'])(
    'refuses a C3PO_COORDINATOR_URL that is not http(s): %s',
    async (url) => {
      for (const event of Object.keys(events) as (keyof typeof events)[]) {
        expectFailedOpen(await events[event](new Host('schemer', url)), /must start with http:\/\/ or https:\/\//);
      }
    },
  );
});
