import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent } from '../support/mcp-clients.js';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { Host, readPluginJson, removeScratchDirs, REPO_ROOT, statusOf } from './plugin-host.js';

describe('plugin identity and manifests', () => {
  let coordinator: Coordinator;

  beforeAll(async () => {
    coordinator = await startCoordinator();
  });

  afterAll(async () => {
    await coordinator.close();
    removeScratchDirs();
  });

  it('declares one http MCP server at the coordinator URL, its headers from the headersHelper', () => {
    const { mcpServers } = readPluginJson('.mcp.json');
    expect(Object.keys(mcpServers)).toEqual(['c3po']);
    expect(mcpServers.c3po).toMatchObject({
      type: 'http',
      url: '${C3PO_COORDINATOR_URL:-http://localhost:8420}/mcp',
    });
    expect(mcpServers.c3po.headersHelper).toContain('${CLAUDE_PROJECT_DIR}');
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
    ['日本語', 'agent'],
    ['!!!', 'agent'],
    ['A'.repeat(70), 'a'.repeat(64)],
    [`${'a'.repeat(63)}!b`, 'a'.repeat(63)],
  ])('the headersHelper maps the folder %j to the agent id %j', async (folder, id) => {
    const host = new Host(folder, coordinator.url);
    expect(await host.headers()).toEqual({ 'X-Agent-ID': id });
  });

  it.each([
    ['Reviewer-1', 'Reviewer-1'],
    ['ops.bot_2', 'ops.bot_2'],
    ['My Agent', 'my-agent'],
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
