import { once } from 'node:events';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { ProgramRun, runProgram } from '../support/run-program.js';

export const PLUGIN_ROOT = resolve(import.meta.dirname, '../../plugin');
export const REPO_ROOT = resolve(PLUGIN_ROOT, '..');

export type HookEvent = 'SessionStart' | 'Stop' | 'PostToolUse' | 'SessionEnd';

export type CommandRun = ProgramRun;

export interface HookRun extends CommandRun {
  /** stdout parsed as JSON, or undefined when the hook printed nothing. */
  json?: Record<string, any>;
}

export function readPluginJson(path: string): any {
  return JSON.parse(readFileSync(join(PLUGIN_ROOT, path), 'utf8'));
}

/**
 * Expands `${NAME}` and `${NAME:-default}` the way Claude Code does in .mcp.json's `url` and
 * `headers` (unset or empty NAME: the default, or '').
 */
export function expandVars(text: string, env: Record<string, string | undefined>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g, (_all, name: string, fallback?: string) =>
    env[name] ? env[name] : (fallback ?? ''),
  );
}

/** Replaces `${NAME}` the way Claude Code does in plugin commands (plain form only). */
export function substitute(command: string, vars: Record<string, string>): string {
  return Object.entries(vars).reduce((text, [name, value]) => text.replaceAll(`\${${name}}`, value), command);
}

const scratch: string[] = [];

/** A fresh temporary folder, removed by removeScratchDirs(). */
export function scratchDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'c3po-plugin-test-'));
  scratch.push(dir);
  return dir;
}

export function removeScratchDirs(): void {
  scratch.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true }));
}

/** A PATH that finds the Node running the tests (>= 24): for the operators' CLI (bin/c3po.mjs). */
export const NODE_PATH = `${dirname(process.execPath)}:/usr/bin:/bin`;

/**
 * What the plugin's scripts may run on a host: POSIX sh, curl, and the few utilities they call
 * (iconv only to fold accents, where there is one). Nothing else, and never node.
 */
export const HOST_TOOLS = ['sh', 'curl', 'cat', 'sed', 'tr', 'mkdir', 'rmdir', 'iconv'];

/**
 * A folder to be a host's whole PATH: symlinks to `tools` and nothing else, so a script that
 * reached for node (or any other program) fails. `shell` is what `sh` is there: dash or bash.
 */
export function hostPath(tools: string[] = HOST_TOOLS, shell = 'dash'): string {
  const bin = scratchDir();
  for (const tool of tools) {
    const name = tool === 'sh' ? shell : tool;
    const found = ['/usr/local/bin', '/usr/bin', '/bin'].map((dir) => join(dir, name)).find((path) => existsSync(path));
    if (!found) {
      throw new Error(`the plugin tests need ${name} on this machine`);
    }
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

/**
 * A throwaway Claude Code host: a project folder named `folder`, the plugin's data folder, and
 * the environment Claude Code gives plugin hooks. Nothing is inherited from the test process, so
 * a developer's own C3PO_AGENT_ID cannot leak in.
 */
export class Host {
  readonly projectDir: string;
  readonly env: Record<string, string>;

  constructor(folder: string, coordinatorUrl: string, env: Record<string, string> = {}) {
    const root = scratchDir();
    this.projectDir = join(root, folder);
    mkdirSync(this.projectDir);
    this.env = {
      PATH: hostPath(),
      HOME: root,
      C3PO_COORDINATOR_URL: coordinatorUrl,
      CLAUDE_PROJECT_DIR: this.projectDir,
      CLAUDE_PLUGIN_ROOT: PLUGIN_ROOT,
      CLAUDE_PLUGIN_DATA: join(root, 'plugin-data'),
      ...env,
    };
  }

  /** Runs the hooks.json command for `event` as Claude Code does: `sh -c`, JSON on stdin. */
  async hook(event: HookEvent, input: object | string, env: Record<string, string> = {}): Promise<HookRun> {
    const groups = readPluginJson('hooks/hooks.json').hooks[event];
    expect(groups).toHaveLength(1);
    expect(groups[0].hooks).toHaveLength(1);
    const command = substitute(groups[0].hooks[0].command, { CLAUDE_PLUGIN_ROOT: PLUGIN_ROOT });
    const stdin = typeof input === 'string' ? input : JSON.stringify(input);
    const run = await runCommand(command, { cwd: this.projectDir, env: { ...this.env, ...env }, stdin });
    return { ...run, json: run.stdout.trim() === '' ? undefined : JSON.parse(run.stdout) };
  }

  /** Runs the MCP server's headersHelper as Claude Code does: from the plugin's folder, without CLAUDE_PROJECT_DIR. */
  async headers(env: Record<string, string> = {}): Promise<Record<string, string>> {
    const server = readPluginJson('.mcp.json').mcpServers.c3po;
    const command = substitute(server.headersHelper, {
      CLAUDE_PLUGIN_ROOT: PLUGIN_ROOT,
      CLAUDE_PROJECT_DIR: this.projectDir,
    });
    const { PATH, HOME } = this.env;
    const run = await runCommand(command, {
      cwd: PLUGIN_ROOT,
      env: { PATH, HOME, CLAUDE_PLUGIN_ROOT: PLUGIN_ROOT, CLAUDE_CODE_MCP_SERVER_NAME: 'plugin:c3po:c3po', ...env },
      stdin: '',
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    return JSON.parse(run.stdout);
  }

  /**
   * The headers Claude Code sends to the MCP server: .mcp.json's `headers`, expanded from this
   * host's environment (Claude Code's own), then what the headersHelper prints.
   */
  async mcpHeaders(env: Record<string, string> = {}): Promise<Record<string, string>> {
    const server = readPluginJson('.mcp.json').mcpServers.c3po;
    const fixed = Object.fromEntries(
      Object.entries((server.headers ?? {}) as Record<string, string>).map(([name, value]) => [
        name,
        expandVars(value, { ...this.env, ...env }),
      ]),
    );
    return { ...fixed, ...(await this.headers()) };
  }

  sessionStart(session: string, source = 'startup') {
    return this.hook('SessionStart', this.startInput(session, source));
  }

  /** SessionStart's stdin as Claude Code writes it. */
  startInput(session: string, source = 'startup') {
    return { ...this.common(session), hook_event_name: 'SessionStart', source };
  }

  stop(session: string, stopHookActive: boolean) {
    return this.hook('Stop', {
      ...this.common(session),
      permission_mode: 'default',
      hook_event_name: 'Stop',
      stop_hook_active: stopHookActive,
      last_assistant_message: 'Done.',
    });
  }

  /** After a tool call, as Claude Code 2.1.330 sends it (tool input and response included). */
  postToolUse(session: string, toolName = 'Bash') {
    return this.hook('PostToolUse', {
      ...this.common(session),
      permission_mode: 'default',
      hook_event_name: 'PostToolUse',
      tool_name: toolName,
      tool_input: { command: 'npm test' },
      tool_response: { stdout: 'ok', stderr: '', interrupted: false },
      tool_use_id: 'toolu_01',
    });
  }

  sessionEnd(session: string, reason = 'prompt_input_exit') {
    return this.hook('SessionEnd', { ...this.common(session), hook_event_name: 'SessionEnd', reason });
  }

  private common(session: string) {
    return { session_id: session, transcript_path: join(this.env.HOME, `${session}.jsonl`), cwd: this.projectDir };
  }
}

/** Runs `sh -c command` as Claude Code runs hook commands. */
export function runCommand(
  command: string,
  options: { cwd: string; env: Record<string, string>; stdin: string },
): Promise<CommandRun> {
  return runProgram('/bin/sh', ['-c', command], options);
}

/** One agent's REST view of the coordinator, as hooks see it. */
export async function rest(url: string, agentId: string, path: string, body?: object): Promise<any> {
  const response = await fetch(url + path, {
    method: body ? 'POST' : 'GET',
    headers: { 'X-Agent-ID': agentId, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  expect(response.status).toBe(200);
  return response.json();
}

export async function statusOf(url: string, agentId: string, asking = 'observer'): Promise<string | undefined> {
  const { agents } = await rest(url, asking, '/api/agents?limit=100');
  return agents.find((agent: { agent_id: string }) => agent.agent_id === agentId)?.status;
}

/** Starts `server` on a free loopback port; resolves with its http:// URL. */
export async function listenOnLoopback(server: NetServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
