import { chmodSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { createServer as createHttpServer, Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, Server as TcpServer, Socket } from 'node:net';
import { join } from 'node:path';
import { Agent } from '../support/mcp-clients.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { freePort } from '../support/redis-server.js';
import { Host, HookRun, removeScratchDirs, scratchDir } from './plugin-host.js';

type Scenario =
  'closed port' | 'silent server' | 'non-JSON answer' | 'wrong JSON shape' | 'null answer' | 'error status';

/** Inputs each hook gets; a failure must look the same whichever event it hits. */
const events = {
  SessionStart: (host: Host) => host.sessionStart('s-fail'),
  Stop: (host: Host) => host.stop('s-fail', false),
  SessionEnd: (host: Host) => host.sessionEnd('s-fail'),
};

/** Exit 0, nothing on stdout (so no block, no context), at most one short line on stderr. */
function expectFailedOpen(run: HookRun, explained = true) {
  expect(run.code).toBe(0);
  expect(run.stdout).toBe('');
  if (explained) {
    expect(run.stderr).toMatch(/^c3po \w+ hook skipped: [^\n]{1,200}\n$/);
  }
}

async function listen<T extends HttpServer | TcpServer>(server: T): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
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
    urls['silent server'] = await listen(silent);
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
      urls[scenario] = await listen(server);
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
    it.each(['closed port', 'silent server'] as Scenario[])(
      'exits 0 quietly when the coordinator has a %s',
      async (scenario) => {
        const before = sockets.length;
        expectFailedOpen(await events[event](new Host('offline', urls[scenario])));
        if (scenario === 'silent server') {
          expect(sockets.length).toBeGreaterThan(before); // it did try, and gave up on its own
        }
      },
    );

    it.each(['non-JSON answer', 'wrong JSON shape', 'null answer', 'error status'] as Scenario[])(
      'exits 0 without acting on a %s',
      async (scenario) => {
        const run = await events[event](new Host('confused', urls[scenario]));
        // SessionEnd reads nothing from a 200 answer, so only its failures must be explained.
        expectFailedOpen(run, event !== 'SessionEnd' || scenario === 'error status');
      },
    );

    it('exits 0 quietly when node is missing from PATH', async () => {
      const host = await hostWithWork(`no-node-${event}`.toLowerCase());
      const run = await host.hook(event, { session_id: 's-x', hook_event_name: event }, { PATH: scratchDir() });
      expect(run).toEqual({ code: 0, stdout: '', stderr: '', json: undefined });
    });

    it('exits 0 with nothing on stdout when node itself crashes', async () => {
      const bin = scratchDir();
      writeFileSync(join(bin, 'node'), '#!/bin/sh\necho "TypeError: boom\n    at main (x.mjs:1:1)" >&2\nexit 1\n');
      chmodSync(join(bin, 'node'), 0o755);
      const host = await hostWithWork(`crashing-node-${event}`.toLowerCase());
      const run = await host.hook(
        event,
        { session_id: 's-x', hook_event_name: event },
        { PATH: `${bin}:/usr/bin:/bin` },
      );
      expect(run).toMatchObject({ code: 0, stdout: '' });
    });
  });

  it.each([
    ['empty', ''],
    ['truncated', '{"session_id": "s-x", "stop_hook_'],
    ['an array', '[]'],
    ['null', 'null'],
    ['a string', '"stop"'],
  ])('never blocks or adds context on %s stdin', async (_what, stdin) => {
    const host = await hostWithWork('garbage-in');
    for (const event of Object.keys(events) as (keyof typeof events)[]) {
      expectFailedOpen(await host.hook(event, stdin));
    }
  });

  it('stops blocking under stop_hook_active when it cannot remember what it showed', async () => {
    const file = join(scratchDir(), 'not-a-folder');
    writeFileSync(file, '');
    const host = await hostWithWork('forgetful', { CLAUDE_PLUGIN_DATA: join(file, 'data') });
    expect((await host.stop('s-forget', false)).json?.decision).toBe('block');
    expect(await host.stop('s-forget', true)).toMatchObject({ code: 0, stdout: '' });
  });
});
