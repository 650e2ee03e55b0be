import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
// .ts, not .js: test/faults/run.ts loads this file with Node's type stripping, which maps nothing.
import { freePort } from './redis-server.ts';

export interface CoordinatorProcessOptions {
  /** Listen here instead of on a free port (a restart that keeps its address). */
  port?: number;
  /** The built entry point; dist/main.js by default. */
  main?: string;
  /** Give up when it is not listening after this long (default 15 s). */
  startLimitMs?: number;
}

/** The built coordinator (dist/main.js) as a real process, for signals and log output. */
export class CoordinatorProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;

  private constructor(child: ChildProcess, port: number) {
    this.child = child;
    this.port = port;
    this.url = `http://127.0.0.1:${port}`;
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        this.output.push(...lines);
      });
    }
  }

  static async start(
    env: Record<string, string>,
    options: CoordinatorProcessOptions = {},
  ): Promise<CoordinatorProcess> {
    const coordinator = await CoordinatorProcess.spawn(env, options);
    const until = Date.now() + (options.startLimitMs ?? 15_000);
    while (!coordinator.output.some((line) => line.includes('coordinator listening'))) {
      if (!coordinator.running || Date.now() > until) {
        coordinator.child.kill('SIGKILL');
        throw new Error(`coordinator did not start:\n${coordinator.output.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return coordinator;
  }

  /** Runs a coordinator that is expected to stop by itself; resolves with its exit code and output. */
  static async runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string[] }> {
    const coordinator = await CoordinatorProcess.spawn(env);
    const timer = setTimeout(() => coordinator.child.kill('SIGKILL'), 15_000);
    const [code] = (await once(coordinator.child, 'close')) as [number | null];
    clearTimeout(timer);
    return { code, output: coordinator.output };
  }

  private static async spawn(env: Record<string, string>, options: CoordinatorProcessOptions = {}) {
    const port = options.port ?? (await freePort());
    const child = spawn(process.execPath, [options.main ?? 'dist/main.js'], {
      env: { ...process.env, C3PO_HOST: '127.0.0.1', C3PO_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new CoordinatorProcess(child, port);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async terminate(): Promise<number | null> {
    if (this.child.exitCode !== null) {
      return this.child.exitCode;
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  }

  /** SIGKILL, as a crash would: no shutdown hook runs. Resolves once the process is gone. */
  async kill(): Promise<void> {
    if (!this.running) {
      return;
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGKILL');
    await exited;
  }
}
