import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger } from '@nestjs/common';
import { Redis } from 'ioredis';

/** Longest unix socket path the kernel takes (108 bytes on Linux, 104 on macOS), with a margin. */
const MAX_SOCKET_PATH = 100;
/** Loading a large AOF takes a while; past this, something is wrong. */
const READY_LIMIT_MS = 60_000;
/** Redis fsyncs its AOF and exits on SIGTERM; past this it is killed. */
const STOP_LIMIT_MS = 10_000;

/** A reason the embedded Redis cannot run, worded for the person starting the coordinator. */
export class EmbeddedRedisError extends Error {}

const NOT_INSTALLED =
  'REDIS_URL is not set and redis-server is not installed (not found on PATH), so the coordinator cannot ' +
  'start its own Redis. Either install Redis (apt-get install redis-server, or brew install redis), ' +
  'or set REDIS_URL to a Redis you run, or run coordinator and Redis with docker compose up -d.';

/**
 * The coordinator's own redis-server, started when REDIS_URL is unset: durable (AOF fsynced every
 * second) and private (a unix socket with mode 700, no TCP port), with its files in
 * C3PO_DATA_DIR. It runs in a process group of its own, so a Ctrl-C in the terminal reaches
 * the coordinator only, which stops Redis after its own connections closed.
 */
export class EmbeddedRedis {
  private readonly logger = new Logger(EmbeddedRedis.name);
  private stopping = false;

  private constructor(
    readonly url: string,
    readonly dataDir: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(dataDirSetting: string): Promise<EmbeddedRedis> {
    const logger = new Logger(EmbeddedRedis.name);
    const dataDir = resolve(dataDirSetting);
    const socket = join(dataDir, 'redis.sock');
    if (Buffer.byteLength(socket) > MAX_SOCKET_PATH) {
      throw new EmbeddedRedisError(
        `C3PO_DATA_DIR=${dataDir} is too long a path for Redis's unix socket; choose a shorter one`,
      );
    }
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    await EmbeddedRedis.stopLeftover(socket, dataDir, logger);

    const logFile = join(dataDir, 'redis.log');
    // prettier-ignore
    const args = [
      '--port', '0', '--unixsocket', socket, '--unixsocketperm', '700',
      '--dir', dataDir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '',
      '--logfile', logFile, '--daemonize', 'no',
    ];
    const child = spawn('redis-server', args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const failed = new Promise<never>((_, reject) => {
      child.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          new EmbeddedRedisError(
            error.code === 'ENOENT' ? NOT_INSTALLED : `cannot start redis-server: ${error.message}`,
          ),
        ),
      );
      child.once('exit', (code, signal) => {
        const said = (stderr.trim() || tail(logFile)).slice(-600);
        reject(new EmbeddedRedisError(`redis-server exited at start (${signal ?? `code ${code}`}): ${said}`));
      });
    });
    failed.catch(() => {}); // settled by the race below; unobserved after a successful start.
    try {
      await Promise.race([waitUntilServing(socket), failed]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    logger.log(`started redis-server (pid ${child.pid}) with AOF in ${dataDir}, on unix socket ${socket}`);
    return new EmbeddedRedis(`unix://${socket}`, dataDir, child);
  }

  /** Calls `handler` if redis-server exits while the coordinator still needs it. */
  onUnexpectedExit(handler: (reason: string) => void): void {
    this.child.once('exit', (code, signal) => {
      if (!this.stopping) {
        handler(`${signal ?? `code ${code}`}; see ${join(this.dataDir, 'redis.log')}`);
      }
    });
  }

  /** SIGTERM, which makes Redis fsync its AOF and exit; waits for that, SIGKILL past STOP_LIMIT_MS. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode !== null || this.child.signalCode !== null) {
      return;
    }
    const exited = once(this.child, 'exit');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => {
      this.logger.error(`redis-server did not stop within ${STOP_LIMIT_MS} ms; killing it`);
      this.child.kill('SIGKILL');
    }, STOP_LIMIT_MS);
    await exited;
    clearTimeout(timer);
    this.logger.log('redis-server stopped');
  }

  /**
   * A coordinator that was SIGKILLed leaves its redis-server running on the socket. Shut that one
   * down (it saves its AOF on the way) and start one of our own, rather than adopt a process
   * started with settings we cannot see. Refuse if a live coordinator still uses it.
   */
  private static async stopLeftover(socket: string, dataDir: string, logger: Logger): Promise<void> {
    if (!existsSync(socket)) {
      return;
    }
    const redis = new Redis({ path: socket, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
    } catch {
      return; // a socket file nobody listens on; redis-server replaces it
    }
    try {
      const clients = String(await redis.call('CLIENT', 'LIST'));
      if (/ name=c3po-/.test(clients)) {
        throw new EmbeddedRedisError(
          `another coordinator is running with C3PO_DATA_DIR=${dataDir} (its redis-server on ${socket} serves ` +
            'it); stop that one first, or give this one another C3PO_DATA_DIR',
        );
      }
      const pid = Number(/process_id:(\d+)/.exec(await redis.info('server'))?.[1]);
      logger.warn(
        `a redis-server (pid ${pid}) left running on ${socket} by a coordinator that did not stop cleanly; ` +
          'shutting it down (it saves its AOF) to start a fresh one',
      );
      await redis.shutdown().catch(() => {}); // the connection closes before any reply
      await waitForExit(pid, socket);
    } finally {
      redis.disconnect();
    }
  }
}

/** Resolves once redis-server answers PING on the socket (not LOADING any more). */
async function waitUntilServing(socket: string): Promise<void> {
  const until = Date.now() + READY_LIMIT_MS;
  while (Date.now() < until) {
    const redis = new Redis({ path: socket, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
    redis.on('error', () => {});
    try {
      await redis.connect();
      if ((await redis.ping()) === 'PONG') {
        return;
      }
    } catch {
      // not listening yet, or still loading its AOF
    } finally {
      redis.disconnect();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new EmbeddedRedisError(`redis-server did not answer on ${socket} within ${READY_LIMIT_MS / 1000} s`);
}

/** Redis removes its socket file last, once its AOF is saved; a zombie would still answer kill(pid, 0). */
async function waitForExit(pid: number, socket: string): Promise<void> {
  const until = Date.now() + STOP_LIMIT_MS;
  while (existsSync(socket) && Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function tail(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}
