import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { runProgram } from './run-program.ts';

const REPO_ROOT = resolve(import.meta.dirname, '../..');
const API_KEY = 'sk-ant-test-model-stand-in';
/** The flag that opts a launch into a non-approved plugin's channels. */
export const DEV_CHANNELS_FLAG = '--dangerously-load-development-channels';

export interface ClaudeSessionOptions {
  /** The model stand-in's URL (ANTHROPIC_BASE_URL). */
  modelUrl: string;
  /** Name of the project folder Claude Code runs in: the plugin derives the agent id from it. */
  project?: string;
  /** More `claude` arguments. */
  args?: string[];
  /**
   * Launch with `--dangerously-load-development-channels plugin:<plugin>` (its warning dialog is
   * accepted), so the plugin's servers can push into the session.
   */
  channels?: boolean;
  /** More environment for Claude Code (C3PO_COORDINATOR_URL, …); nothing else is inherited. */
  env?: Record<string, string>;
  /**
   * The remote feature flag channels depend on (`tengu_harbor`), seeded into the cached feature
   * flags. Default: true with `channels`, else absent.
   */
  channelsFeature?: boolean;
  /** The marketplace to install `plugin` from; defaults to this repository. */
  marketplace?: string;
  /** `<plugin>@<marketplace>` to install; null installs nothing. Default c3po@c3po. */
  plugin?: string | null;
  /** --allowedTools; default: the plugin's C3PO server, so its calls need no approval. */
  allowedTools?: string[];
  /**
   * MCP servers that must be connected before start() returns: an interactive session takes a
   * prompt before its servers are up, and a turn started then is offered none of their tools.
   * Default: the plugin's C3PO server when the plugin is c3po@c3po, else none.
   */
  mcpServers?: string[];
  /** Bound for the start, dialogs and plugin install included. Default 60 s. */
  startTimeoutMs?: number;
  /** Where its scratch HOME is made (a fresh `cc-session-*` folder in it). Default: the OS temp dir. */
  scratchDir?: string;
}

/**
 * A real interactive Claude Code in a tmux pane, talking to a model stand-in on loopback, with
 * the plugin installed from a marketplace. Its own tmux server (socket inside its scratch HOME),
 * HOME and CLAUDE_CONFIG_DIR: a user's tmux and Claude Code are never touched. Every wait is
 * bounded; stop() ends Claude Code and removes the scratch folder.
 */
export class ClaudeSession {
  readonly home: string;
  readonly configDir: string;
  readonly projectDir: string;
  readonly debugFile: string;
  readonly env: Record<string, string>;
  /** Its own tmux server's socket, inside `home`: `tmux -S <socket> attach` to watch. */
  readonly socket: string;
  /**
   * Every key typed or pressed into the pane, in order, the dialogs' included: a test can show
   * that the session did something with no keystroke after a point.
   */
  readonly keysSent: string[] = [];
  private stopped = false;
  private pid: number | undefined;

  private constructor(home: string, project: string, env: Record<string, string>) {
    this.home = home;
    this.configDir = join(home, '.claude');
    this.projectDir = join(home, project);
    this.debugFile = join(home, 'debug.log');
    this.socket = join(home, 'tmux.sock');
    this.env = {
      PATH: `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`,
      HOME: home,
      CLAUDE_CONFIG_DIR: join(home, '.claude'),
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      ANTHROPIC_API_KEY: API_KEY,
      DISABLE_AUTOUPDATER: '1',
      ENABLE_TOOL_SEARCH: 'false',
      // No traffic beyond loopback: the flags are read from the cache seeded below.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_GB_DISK_CACHE_WHEN_TELEMETRY_OFF: '1',
      // Else every start tries `git clone` of Anthropic's official marketplace from GitHub.
      CLAUDE_CODE_DISABLE_OFFICIAL_MARKETPLACE_AUTOINSTALL: '1',
      ...env,
    };
  }

  static async start(options: ClaudeSessionOptions): Promise<ClaudeSession> {
    const claude = await claudeBinary();
    const home = mkdtempSync(join(options.scratchDir ?? tmpdir(), 'cc-session-'));
    const session = new ClaudeSession(home, options.project ?? 'cc-project', {
      ANTHROPIC_BASE_URL: options.modelUrl,
      ...options.env,
    });
    try {
      await session.prepare(claude, options);
      await session.launch(claude, options);
      return session;
    } catch (error) {
      const screen = session.stopped ? '' : await session.capture().catch(() => '');
      await session.stop();
      throw new Error(`${(error as Error).message}\n--- pane ---\n${screen}`, { cause: error });
    }
  }

  private async prepare(claude: string, options: ClaudeSessionOptions): Promise<void> {
    mkdirSync(this.projectDir, { recursive: true });
    mkdirSync(this.configDir, { recursive: true });
    const harbor = options.channelsFeature ?? (options.channels ? true : undefined);
    const features = harbor === undefined ? {} : { tengu_harbor: harbor };
    writeFileSync(
      join(this.configDir, '.claude.json'),
      JSON.stringify({
        hasCompletedOnboarding: true,
        // Claude Code remembers an approved key by its last 20 characters.
        customApiKeyResponses: { approved: [API_KEY.slice(-20)], rejected: [] },
        projects: { [this.projectDir]: { hasTrustDialogAccepted: true } },
        fullscreenUpsellSeenCount: 5,
        cachedGrowthBookFeatures: features,
      }),
    );
    const plugin = pluginOf(options);
    if (plugin === null) {
      return;
    }
    for (const args of [
      ['plugin', 'marketplace', 'add', options.marketplace ?? REPO_ROOT],
      ['plugin', 'install', plugin],
    ]) {
      const run = await runProgram(claude, args, { cwd: this.projectDir, env: this.env });
      if (run.code !== 0) {
        throw new Error(`claude ${args.join(' ')} exited ${run.code}: ${run.stdout}${run.stderr}`);
      }
    }
  }

  private async launch(claude: string, options: ClaudeSessionOptions): Promise<void> {
    const args = [
      '--debug-file',
      this.debugFile,
      '--allowedTools',
      ...(options.allowedTools ?? ['mcp__plugin_c3po_c3po']),
      ...(options.channels ? [DEV_CHANNELS_FLAG, `plugin:${pluginOf(options)}`] : []),
      ...(options.args ?? []),
    ];
    // A script rather than a long tmux command line: readable, and runnable by hand to debug.
    const script = join(this.home, 'run.sh');
    writeFileSync(
      script,
      [
        '#!/bin/sh',
        ...Object.entries(this.env).map(([name, value]) => `export ${name}=${shellQuote(value)}`),
        `cd ${shellQuote(this.projectDir)}`,
        `exec ${[claude, ...args].map(shellQuote).join(' ')}`,
        '',
      ].join('\n'),
      { mode: 0o755 },
    );
    await this.tmux('new-session', '-d', '-s', 'main', '-x', '200', '-y', '50', script);
    // run.sh execs claude: the pane's process is Claude Code itself.
    this.pid = Number((await this.tmux('display-message', '-p', '-t', 'main', '#{pane_pid}')).stdout.trim());
    const until = Date.now() + (options.startTimeoutMs ?? 60_000);
    await this.waitUntilReady(until);
    const servers = options.mcpServers ?? (pluginOf(options) === 'c3po@c3po' ? ['plugin:c3po:c3po'] : []);
    for (const server of servers) {
      await this.waitForLog(`MCP server "${server}": Successfully connected`, until - Date.now());
    }
  }

  /**
   * Waits until the debug log contains `text` (`MCP server "plugin:c3po:push": Channel
   * notifications registered`, …). Throws with the last MCP lines on timeout.
   */
  async waitForLog(text: string, timeoutMs = 15_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.debugLog().includes(text)) {
      if (Date.now() > until) {
        const mcp = this.debugLog()
          .split('\n')
          .filter((line) => line.includes('MCP server'))
          .slice(-10);
        throw new Error(`the debug log did not say '${text}' in time; last MCP lines:\n${mcp.join('\n')}`);
      }
      await sleep(100);
    }
  }

  /** Accepts the development-channels warning when it shows; ready when the prompt is empty. */
  private async waitUntilReady(until: number): Promise<void> {
    let accepted = false;
    while (Date.now() < until) {
      const screen = await this.capture();
      if (!accepted && /development channels/i.test(screen) && /❯ 1\./.test(screen)) {
        await this.sendKeys('Enter');
        accepted = true;
      } else if (/^❯[ \u00a0]*\n─{20,}/m.test(screen)) {
        return;
      }
      await sleep(200);
    }
    throw new Error('Claude Code did not reach its prompt in time');
  }

  /** The visible pane, as text. */
  async capture(): Promise<string> {
    return (await this.tmux('capture-pane', '-p', '-t', 'main')).stdout;
  }

  /**
   * Waits until the pane matches `pattern`; returns the pane. Throws with the pane on timeout.
   * The pane wraps long lines at 200 columns: match short text.
   */
  async waitFor(pattern: RegExp | string, timeoutMs = 15_000): Promise<string> {
    const until = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < until) {
      screen = await this.capture();
      if (typeof pattern === 'string' ? screen.includes(pattern) : pattern.test(screen)) {
        return screen;
      }
      await sleep(200);
    }
    throw new Error(`pane did not show ${String(pattern)} within ${timeoutMs} ms:\n${screen}`);
  }

  /** Types `text` literally into the prompt and submits it. */
  async type(text: string): Promise<void> {
    this.keysSent.push(text);
    await this.tmux('send-keys', '-t', 'main', '-l', text);
    await this.sendKeys('Enter');
  }

  /** tmux key names: 'Enter', 'Escape', 'C-c', … */
  async sendKeys(...keys: string[]): Promise<void> {
    this.keysSent.push(...keys);
    await this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** Claude Code's debug log so far ('' before it exists). */
  debugLog(): string {
    return existsSync(this.debugFile) ? readFileSync(this.debugFile, 'utf8') : '';
  }

  /** Ends Claude Code (SIGHUP, as closing its terminal would), then removes its folders. */
  async stop(): Promise<void> {
    if (this.stopped) {
      return;
    }
    this.stopped = true;
    await this.tmux('kill-server').catch(() => undefined);
    // Claude Code goes on writing into HOME for a moment (session end, SessionEnd hook).
    if (this.pid !== undefined && !(await exited(this.pid, 10_000))) {
      process.kill(this.pid, 'SIGKILL');
      await exited(this.pid, 2_000);
    }
    rmSync(this.home, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
  }

  private tmux(...args: string[]): Promise<{ stdout: string; stderr: string }> {
    return promisify(execFile)('tmux', ['-S', this.socket, ...args], { env: this.env, timeout: 10_000 });
  }
}

let installing: Promise<string> | undefined;

/** The Claude Code CLI the tests use, installed on first use by test/plugin/claude-code.sh. */
export function claudeBinary(): Promise<string> {
  installing ??= promisify(execFile)('sh', [join(REPO_ROOT, 'test/plugin/claude-code.sh')], {
    timeout: 240_000,
  }).then(({ stdout }) => stdout.trim());
  return installing;
}

function pluginOf(options: ClaudeSessionOptions): string | null {
  return options.plugin === undefined ? 'c3po@c3po' : options.plugin;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Waits up to `timeoutMs` for process `pid` to end; whether it did. */
async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(50);
  }
  return false;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
