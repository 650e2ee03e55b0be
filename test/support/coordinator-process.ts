import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { freePort } from './redis-server.js';

/** The built coordinator (dist/main.js) as a real process, for signals and log output. */
export class CoordinatorProcess {
  readonly output: string[] = [];
  private readonly child: ChildProcess;
  readonly url: string;

  private constructor(child: ChildProcess, url: string) {
    this.child = child;
    this.url = url;
    for (const stream of [child.stdout!, child.stderr!]) {
      let partial = '';
      stream.on('data', (chunk: Buffer) => {
        const lines = (partial + chunk.toString()).split('\n');
        partial = lines.pop()!;
        this.output.push(...lines);
      });
    }
  }

  static async start(env: Record<string, string>): Promise<CoordinatorProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, C3PO_HOST: '127.0.0.1', C3PO_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const coordinator = new CoordinatorProcess(child, `http://127.0.0.1:${port}`);
    const until = Date.now() + 15_000;
    while (!coordinator.output.some((line) => line.includes('coordinator listening'))) {
      if (child.exitCode !== null || Date.now() > until) {
        throw new Error(`coordinator did not start:\n${coordinator.output.join('\n')}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return coordinator;
  }

  /** Runs a coordinator that is expected to stop by itself; resolves with its exit code and output. */
  static async runToExit(env: Record<string, string>): Promise<{ code: number | null; output: string[] }> {
    const port = await freePort();
    const child = spawn(process.execPath, ['dist/main.js'], {
      env: { ...process.env, C3PO_HOST: '127.0.0.1', C3PO_PORT: String(port), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const coordinator = new CoordinatorProcess(child, `http://127.0.0.1:${port}`);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code] = (await once(child, 'close')) as [number | null];
    clearTimeout(timer);
    return { code, output: coordinator.output };
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

  kill(): void {
    this.child.kill('SIGKILL');
  }
}
