import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../support/mcp-clients.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import {
  Host,
  HOST_TOOLS,
  hostPath,
  readPluginJson,
  removeScratchDirs,
  REPO_ROOT,
  runCommand,
  statusOf,
} from './plugin-host.js';

describe('plugin identity and manifests', () => {
  let coordinator: Coordinator;

  beforeAll(async () => {
    coordinator = await startCoordinator();
  });

  afterAll(async () => {
    await coordinator.close();
    removeScratchDirs();
  });

  it('declares the tools server and the push server at the coordinator URL, their headers from a sh headersHelper', () => {
    const { mcpServers } = readPluginJson('.mcp.json');
    expect(Object.keys(mcpServers)).toEqual(['c3po', 'push']);
    // The push server sends the same identity and key as the tools' server.
    for (const [name, path] of [
      ['c3po', 'mcp'],
      ['push', 'push'],
    ]) {
      expect(mcpServers[name]).toEqual({
        type: 'http',
        url: `\${C3PO_COORDINATOR_URL:-http://localhost:8420}/${path}`,
        headers: { Authorization: 'Bearer ${C3PO_API_KEY:-}' },
        headersHelper: 'sh "${CLAUDE_PLUGIN_ROOT}/scripts/headers.sh" "${CLAUDE_PROJECT_DIR}"',
      });
    }
  });

  it('runs every hook and the headersHelper with sh, on a PATH without node', async () => {
    const { hooks } = readPluginJson('hooks/hooks.json');
    const commands = Object.values(hooks as Record<string, { hooks: { command: string }[] }[]>).flatMap((groups) =>
      groups.flatMap((group) => group.hooks.map((hook) => hook.command)),
    );
    expect(commands).toEqual([
      'sh "${CLAUDE_PLUGIN_ROOT}/hooks/hook.sh" session-start',
      'sh "${CLAUDE_PLUGIN_ROOT}/hooks/hook.sh" stop',
      'sh "${CLAUDE_PLUGIN_ROOT}/hooks/hook.sh" post-tool-use',
      'sh "${CLAUDE_PLUGIN_ROOT}/hooks/hook.sh" session-end',
    ]);
    const env = new Host('probe', coordinator.url).env;
    const probe = (command: string) => runCommand(command, { cwd: env.HOME, env, stdin: '' });
    expect((await probe('command -v node')).code).not.toBe(0);
    expect((await probe('command -v nodejs || command -v bun || command -v deno')).code).not.toBe(0);
    expect((await probe('command -v curl')).code).toBe(0);
  });

  it('lists ./plugin in the repository marketplace under the plugin name', () => {
    const marketplace = JSON.parse(readFileSync(join(REPO_ROOT, '.claude-plugin/marketplace.json'), 'utf8'));
    const plugin = readPluginJson('.claude-plugin/plugin.json');
    expect(plugin.name).toBe('c3po');
    expect(marketplace.plugins).toEqual([
      expect.objectContaining({ name: 'c3po', source: './plugin', version: plugin.version }),
    ]);
  });

  it.each([
    ['My Project!', 'my-project'],
    ['c3po', 'c3po'],
    ['Café Olé', 'cafe-ole'],
    ['  spaced   out  ', 'spaced-out'],
    ['--Dashes--', 'dashes'],
    ['.hidden', 'hidden'],
    ['v2.0_final', 'v2.0_final'],
    ['My--Project', 'my--project'],
    ['ab\ncd', 'ab-cd'],
    ['日本語', 'agent'],
    ['!!!', 'agent'],
    ['A'.repeat(70), 'a'.repeat(64)],
    [`${'a'.repeat(63)}!b`, 'a'.repeat(63)],
  ])('the headersHelper maps the folder %j to the agent id %j, under dash and bash', async (folder, id) => {
    const host = new Host(folder, coordinator.url);
    expect(await host.headers()).toEqual({ 'X-Agent-ID': id });
    expect(await host.headers({ PATH: hostPath(HOST_TOOLS, 'bash') })).toEqual({ 'X-Agent-ID': id });
  });

  it.each([
    // iconv transliterates more than the Node hooks' NFKD did: the ids of such folders changed.
    ['Straße', 'strasse'],
    ['Łódź', 'lodz'],
    ['ŒUVRE', 'oeuvre'],
    ['Ærø', 'aero'],
  ])('the headersHelper folds %j to %j with iconv', async (folder, id) => {
    expect(await new Host(folder, coordinator.url).headers()).toEqual({ 'X-Agent-ID': id });
  });

  it('without iconv, an accented letter is one more separator', async () => {
    const host = new Host('Café Olé', coordinator.url);
    const withoutIconv = hostPath(HOST_TOOLS.filter((tool) => tool !== 'iconv'));
    expect(await host.headers({ PATH: withoutIconv })).toEqual({ 'X-Agent-ID': 'caf-ol' });
  });

  it('uses the current folder when Claude Code passes no project folder', async () => {
    const host = new Host('Current Dir', coordinator.url);
    const server = readPluginJson('.mcp.json').mcpServers.c3po;
    const command = server.headersHelper
      .replaceAll('${CLAUDE_PLUGIN_ROOT}', join(REPO_ROOT, 'plugin'))
      .replaceAll('${CLAUDE_PROJECT_DIR}', '');
    const run = await runCommand(command, { cwd: host.projectDir, env: { PATH: host.env.PATH }, stdin: '' });
    expect(run).toEqual({ code: 0, stdout: '{"X-Agent-ID":"current-dir"}\n', stderr: '' });
    // A folder whose name maps to nothing, the root included, is `agent`.
    const root = await runCommand(command.replace('""', '"/"'), { cwd: '/', env: { PATH: host.env.PATH }, stdin: '' });
    expect(root).toEqual({ code: 0, stdout: '{"X-Agent-ID":"agent"}\n', stderr: '' });
  });

  it.each([
    ['Reviewer-1', 'Reviewer-1'],
    ['ops.bot_2', 'ops.bot_2'],
    ['My Agent', 'my-agent'],
    ['  padded  ', 'padded'],
    ['-lead', 'lead'],
    ['two\nlines', 'two-lines'],
    ['x'.repeat(65), 'x'.repeat(64)],
  ])('the headersHelper sends C3PO_AGENT_ID %j as %j', async (chosen, id) => {
    const host = new Host('folder', coordinator.url);
    expect(await host.headers({ C3PO_AGENT_ID: chosen })).toEqual({ 'X-Agent-ID': id });
  });

  it('gives the MCP server and the hooks the same id', async () => {
    const host = new Host('Same Id?', coordinator.url);
    const headers = await host.headers();
    expect(headers['X-Agent-ID']).toBe('same-id');
    const start = await host.sessionStart('s-same');
    expect(start.json?.hookSpecificOutput.additionalContext).toContain('you are agent "same-id"');
    expect(await statusOf(coordinator.url, 'same-id')).toBe('online');

    // What another agent sends to the MCP identity is what the Stop hook reports.
    const me = await Agent.connect(coordinator.url, headers['X-Agent-ID']);
    const alice = await Agent.connect(coordinator.url, 'alice');
    try {
      await alice.ok('send_request', { target: (await me.ok('register_agent')).agent_id, message: 'same?' });
      const stop = await host.stop('s-same', false);
      expect(stop.json?.reason).toContain('- alice: same?');
    } finally {
      await me.close();
      await alice.close();
    }
  });
});
