import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Coordinator, startCoordinator } from '../support/coordinator.js';
import { freePort } from '../support/redis-server.js';
import { runProgram } from '../support/run-program.js';
import { CommandRun, hostPath, REPO_ROOT, removeScratchDirs, scratchDir } from './plugin-host.js';

const ADMIN_TOKEN = 'claude-code-test-admin-token-0123456789abcdef';

/**
 * The real Claude Code CLI with the plugin installed from this repository's marketplace, asked
 * `claude mcp list` against a coordinator with API keys on: what a user sees for each C3PO_API_KEY.
 */
describe('claude mcp list with API keys on', () => {
  let claudeBin: string;
  let coordinator: Coordinator;
  let key: string;
  let env: Record<string, string>;
  let projectDir: string;

  /** Runs the CLI without blocking: the coordinator it talks to answers from this process. */
  function claude(args: string[], extra: Record<string, string> = {}): Promise<CommandRun> {
    return runProgram(claudeBin, args, { cwd: projectDir, env: { ...env, ...extra } });
  }

  /** The plugin server's line of `claude mcp list`. */
  async function mcpList(extra: Record<string, string>): Promise<string> {
    const run = await claude(['mcp', 'list'], extra);
    const line = run.stdout.split('\n').find((text) => text.startsWith('plugin:c3po:c3po:'));
    if (line === undefined) {
      throw new Error(`no plugin:c3po:c3po line in claude mcp list:\n${run.stdout}${run.stderr}`);
    }
    return line;
  }

  beforeAll(async () => {
    // Installs Claude Code on first use (CI has it already from validate.sh).
    const { stdout } = await promisify(execFile)('sh', [join(REPO_ROOT, 'test/plugin/claude-code.sh')], {
      timeout: 240_000,
    });
    claudeBin = stdout.trim();

    coordinator = await startCoordinator({ C3PO_ADMIN_TOKEN: ADMIN_TOKEN });
    const created = await fetch(`${coordinator.url}/api/admin/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN_TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'claude-host', agent: 'cc-*' }),
    });
    expect(created.status).toBe(201);
    key = ((await created.json()) as { key: string }).key;

    const home = scratchDir();
    projectDir = join(home, 'cc-project'); // the agent id, matching the key's pattern
    mkdirSync(projectDir);
    env = {
      // No node: Claude Code is a native binary, and the plugin's headersHelper needs only sh.
      PATH: hostPath(),
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      DISABLE_AUTOUPDATER: '1',
      ANTHROPIC_API_KEY: 'sk-ant-test-not-used',
      // Loopback and closed: no model is needed, and Claude Code skips fetching remote settings
      // from api.anthropic.com (offline that costs ~18 s of retries per run).
      ANTHROPIC_BASE_URL: `http://127.0.0.1:${await freePort()}`,
      C3PO_COORDINATOR_URL: coordinator.url,
    };
    for (const args of [
      ['plugin', 'marketplace', 'add', REPO_ROOT],
      ['plugin', 'install', 'c3po@c3po'],
    ]) {
      const run = await claude(args);
      expect(run).toMatchObject({ code: 0 });
    }
  }, 300_000);

  afterAll(async () => {
    await coordinator?.close();
    removeScratchDirs();
  });

  it('shows the server connected with a valid C3PO_API_KEY', async () => {
    expect(await mcpList({ C3PO_API_KEY: key })).toBe(`plugin:c3po:c3po: ${coordinator.url}/mcp (HTTP) - ✔ Connected`);
  });

  it("shows the coordinator's 401 message for a wrong key", async () => {
    const line = await mcpList({ C3PO_API_KEY: 'c3po_not-a-valid-key' });
    expect(line).toContain('✘ Failed to connect');
    expect(line).toContain('(HTTP 401)');
    expect(line).toContain('the API key in C3PO_API_KEY is not valid');
  });

  it("shows the coordinator's 403 message naming C3PO_API_KEY without a key", async () => {
    const line = await mcpList({});
    expect(line).toContain('✘ Failed to connect');
    expect(line).toContain('(HTTP 403)');
    expect(line).toContain('no API key was sent (C3PO_API_KEY is unset or empty)');
  });

  it("shows the key's pattern and C3PO_AGENT_ID for an agent id the key does not allow", async () => {
    const line = await mcpList({ C3PO_API_KEY: key, C3PO_AGENT_ID: 'elsewhere' });
    expect(line).toContain('(HTTP 403)');
    expect(line).toContain("may act only as agent ids matching 'cc-*', not 'elsewhere': set C3PO_AGENT_ID");
  });
});
