import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ChildServerOptions {
  /** Shown in errors and in the "what runs where" lines. */
  name: string;
  /** Arguments to this same Node binary (Node 24 when run through npm scripts). */
  args: string[];
  env?: Record<string, string>;
  /** The child's stdout and stderr go to this file. */
  logFile: string;
  /** A line in the log that says the server is ready. */
  ready: RegExp;
  readyTimeoutMs?: number;
}

/**
 * A server the bench runs in its own process, so that it shares no event loop with the load
 * generator. Its output goes to a log file, not a pipe: a pipe would make the bench's busy
 * event loop the log reader, and a full pipe blocks the writer (Node writes to pipes
 * synchronously), which would slow the server under test for the bench's sake.
 */
export class ChildServer {
  readonly name: string;
  readonly logFile: string;
  /** The log line that said the server was ready (servers print their address in it). */
  readyLine = '';
  private readonly child: ChildProcess;
  private logOffset = 0;

  private constructor(name: string, logFile: string, child: ChildProcess) {
    this.name = name;
    this.logFile = logFile;
    this.child = child;
  }

  static async start(options: ChildServerOptions): Promise<ChildServer> {
    mkdirSync(dirname(options.logFile), { recursive: true });
    const log = openSync(options.logFile, 'w');
    const child = spawn(process.execPath, options.args, {
      env: { ...process.env, ...options.env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    // If the bench dies without cleaning up, its children must not outlive it.
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    child.once('exit', () => process.off('exit', killOnExit));
    const server = new ChildServer(options.name, options.logFile, child);
    try {
      server.readyLine = await server.waitForLine(options.ready, options.readyTimeoutMs ?? 30_000);
    } catch (error) {
      await server.stop();
      throw error;
    }
    return server;
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /**
   * Resolves with the first line matching `pattern` written after the previous match; rejects
   * if the child exits first or the time runs out.
   */
  async waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const text = this.readLog();
      const lines = text.slice(this.logOffset).split('\n');
      let consumed = this.logOffset;
      // The last element may be a line still being written: look only at complete ones.
      for (const line of lines.slice(0, -1)) {
        consumed += line.length + 1;
        if (pattern.test(line)) {
          this.logOffset = consumed;
          return line;
        }
      }
      if (!this.running) {
        throw new Error(`${this.name} exited (${this.child.signalCode ?? this.child.exitCode}):\n${this.tail()}`);
      }
      if (Date.now() > until) {
        throw new Error(`${this.name}: no line matching ${pattern} within ${timeoutMs} ms:\n${this.tail()}`);
      }
      await sleep(25);
    }
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  tail(lines = 30): string {
    return this.readLog().trimEnd().split('\n').slice(-lines).join('\n');
  }

  /** SIGTERM (graceful shutdown), then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  private readLog(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }
}

/** Resident set size of a process, in MB, from /proc (Linux only). */
export function rssMb(pid: number): number | null {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round((Number(match[1]) / 1024) * 10) / 10 : null;
  } catch {
    return null;
  }
}

let clockTicks: number | undefined;

/** User + system CPU time a process has used so far, in ms, from /proc (Linux only). */
export function cpuMs(pid: number): number | null {
  try {
    // Fields after the command name, which is in parentheses and may contain spaces.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    clockTicks ??= Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks;
  } catch {
    return null;
  }
}
