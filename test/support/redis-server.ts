import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';

export interface RedisServerOptions {
  /** Listen here instead of on a free port. */
  port?: number;
  /**
   * Keep an append-only file in this directory (fsync every second), so that a server started
   * again on the same directory, after a crash too, comes back with the data. Without it
   * nothing is written to disk.
   */
  appendOnlyDir?: string;
  /** More redis-server arguments, after the defaults and so overriding them (`--save 60 1`). */
  args?: string[];
}

/** A private, throwaway redis-server: free port, loopback only, nothing written to disk unless asked. */
export class RedisServer {
  readonly port: number;
  private process: ChildProcess;
  private readonly options: RedisServerOptions;

  private constructor(port: number, process: ChildProcess, options: RedisServerOptions) {
    this.port = port;
    this.process = process;
    this.options = options;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Set once started: start() returns only after the process answered. */
  get pid(): number {
    return this.process.pid!;
  }

  get running(): boolean {
    return this.process.exitCode === null && this.process.signalCode === null;
  }

  static async start(options: number | RedisServerOptions = {}): Promise<RedisServer> {
    const chosen = typeof options === 'number' ? options : (options.port ?? (await freePort()));
    const rest = typeof options === 'number' ? {} : options;
    return new RedisServer(chosen, await spawnRedis(chosen, rest), rest);
  }

  /** Starts the server again on the same port (and append-only directory), after stop(). */
  async restart(): Promise<void> {
    await this.stop();
    this.process = await spawnRedis(this.port, this.options);
  }

  /** SIGKILL, as a crash would: nothing is flushed beyond what the append-only file already has. */
  async stop(): Promise<void> {
    if (!this.running) {
      return;
    }
    const exited = once(this.process, 'exit');
    this.process.kill('SIGKILL');
    await exited;
  }
}

async function spawnRedis(port: number, { appendOnlyDir, args = [] }: RedisServerOptions): Promise<ChildProcess> {
  const persistence = appendOnlyDir
    ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', appendOnlyDir]
    : ['--appendonly', 'no', '--dir', '/tmp'];
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...persistence, ...args],
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
  // From here on the log is only drained, not kept.
  child.stdout.removeAllListeners('data');
  child.stdout.resume();
  return child;
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
