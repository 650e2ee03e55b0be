import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

/** A private, throwaway redis-server: free port, loopback only, nothing written to disk. */
export class RedisServer {
  readonly port: number;
  private readonly process: ChildProcess;

  private constructor(port: number, process: ChildProcess) {
    this.port = port;
    this.process = process;
  }

  get pid(): number {
    return this.process.pid!;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `args` come after the defaults and so override them (`--appendonly yes --dir <tmp>`). */
  static async start(port?: number, args: string[] = []): Promise<RedisServer> {
    const chosen = port ?? (await freePort());
    const child = spawn(
      'redis-server',
      ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', '/tmp', ...args],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const error = once(child, 'error').then(([e]) => {
      throw new Error(`cannot start redis-server (is it installed?): ${(e as Error).message}`);
    });
    let output = '';
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          resolve();
        }
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output.slice(-500)}`)));
    });
    await Promise.race([ready, error]);
    child.stdout.resume();
    return new RedisServer(chosen, child);
  }

  async stop(): Promise<void> {
    if (this.process.exitCode !== null || this.process.signalCode !== null) {
      return;
    }
    const exited = once(this.process, 'exit');
    this.process.kill('SIGKILL');
    await exited;
  }
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}
