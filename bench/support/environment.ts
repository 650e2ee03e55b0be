import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { RedisServer } from '../../test/support/redis-server.ts';
import { ChildServer, cpuMs, rssMb } from './child-server.ts';
import { benchCacheDir, CoordinatorProcess, coordinatorEntry, projectRoot, startFlags } from './coordinator-process.ts';
import { RedisProbe } from './redis-probe.ts';

export interface EnvironmentOptions {
  /** An already running coordinator; the bench then starts neither Redis nor a coordinator for it. */
  url?: string;
  /** That coordinator's Redis, for connection counts (with --url only). */
  redisUrl?: string;
  /** That coordinator's process id, for RSS and CPU (with --url only). */
  pid?: number;
  build: 'auto' | 'always' | 'never';
  /** Write per-phase CPU profiles of the coordinator here (own coordinator only). */
  profileDir?: string;
  /** Extra Node/V8 flags for the coordinator child, space-separated. */
  nodeFlags?: string;
  /** Start the coordinator with API keys on, and send its one key ('*') with every call. */
  keys?: boolean;
  /** With --url: the key every call sends (that coordinator has keys on). */
  apiKey?: string;
  /** Start the bare MCP floor server too. */
  floor: boolean;
}

/** What a run measures against, and what runs where; as an Endpoint, the coordinator. */
export interface Environment {
  url: string;
  /** The key every agent and REST call sends, when the coordinator has keys on. */
  apiKey?: string;
  /** A unique tag for agent ids, so runs against a long-lived coordinator never collide. */
  tag: string;
  /** A private redis-server for the raw LPUSH→BLPOP floor (never the coordinator's, with --url). */
  floorRedisUrl: string;
  floorUrl?: string;
  probe?: RedisProbe;
  coordinatorPid?: number;
  build: string;
  placement: string[];
  coordinatorRssMb(): number | null;
  coordinatorCpuMs(): number | null;
  floorCpuMs(): number | null;
  /** Cuts a CPU profile of the coordinator for the phase that just ended (with --cpu-prof). */
  saveProfile(phase: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export async function startEnvironment(options: EnvironmentOptions): Promise<Environment> {
  pruneOldLogs();
  const cleanup: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of cleanup.reverse()) {
      await step().catch((error: Error) => console.error(`cleanup: ${error.message}`));
    }
  };
  try {
    const tag = `bench-${randomUUID().slice(0, 6)}`;
    const placement: string[] = [];
    let build = 'not needed (--url)';
    let url: string;
    let probe: RedisProbe | undefined;
    let coordinator: CoordinatorProcess | undefined;
    let floorRedisUrl: string;
    let apiKey = options.apiKey;

    if (options.url) {
      url = options.url.replace(/\/+$/, '');
      const redis = await startRedis();
      cleanup.push(() => redis.stop());
      floorRedisUrl = redis.url;
      if (options.redisUrl) {
        probe = await RedisProbe.connect(options.redisUrl);
        cleanup.push(() => probe!.close());
      }
      placement.push(
        `coordinator: already running at ${url}${options.pid ? ` (pid ${options.pid})` : ' (pid unknown: no RSS/CPU figures; pass --pid)'}`,
        options.redisUrl
          ? `coordinator's Redis: ${options.redisUrl} (probe connection only)`
          : "coordinator's Redis: unknown (no connection counts; pass --redis-url)",
        `Redis for the LPUSH→BLPOP floor: private redis-server child on port ${redis.port}`,
      );
    } else {
      const entry = coordinatorEntry(options.build);
      const main = entry.main;
      build = `${entry.build}; coordinator entry ${relative(projectRoot, main)}`;
      const redis = await startRedis();
      cleanup.push(() => redis.stop());
      floorRedisUrl = redis.url;
      probe = await RedisProbe.connect(redis.url);
      cleanup.push(() => probe!.close());
      coordinator = await CoordinatorProcess.start({
        main,
        redisUrl: redis.url,
        logFile: join(benchCacheDir, 'logs', `${tag}-coordinator.log`),
        nodeFlags: options.nodeFlags,
        prefix: tag,
        profileDir: options.profileDir,
        keys: options.keys,
      });
      cleanup.push(() => coordinator!.stop());
      url = coordinator.url;
      apiKey = coordinator.apiKey;
      placement.push(
        `coordinator: child process pid ${coordinator.pid} (node ${process.version}, ${relative(projectRoot, main)}) at ${url}, key prefix ${tag}, log ${relative(projectRoot, coordinator.logFile)}, node flags "${[...startFlags(), options.nodeFlags].filter(Boolean).join(' ')}" (npm start's${options.nodeFlags ? ' + --node-flags' : ''})`,
        `Redis: private redis-server child on port ${redis.port} (no persistence)`,
      );
    }

    placement.push(
      options.keys
        ? "API keys: on (C3PO_ADMIN_TOKEN set), one key for '*', sent by every agent and REST call"
        : apiKey
          ? 'API keys: the key given with --api-key, sent by every agent and REST call'
          : options.url
            ? 'API keys: none sent (pass --api-key if that coordinator has keys on)'
            : 'API keys: off (no C3PO_ADMIN_TOKEN; --keys turns them on)',
    );

    let floorUrl: string | undefined;
    let floorPid: number | undefined;
    if (options.floor) {
      const floor = await ChildServer.start({
        name: 'floor server',
        args: [join(projectRoot, 'bench', 'floor-server.ts')],
        ready: /floor listening on/,
        logFile: join(benchCacheDir, 'logs', `${tag}-floor.log`),
      });
      cleanup.push(() => floor.stop());
      floorPid = floor.pid;
      floorUrl = /http:\/\/\S+/.exec(floor.readyLine)?.[0];
      if (!floorUrl) {
        throw new Error(`floor server printed no address: ${floor.readyLine}`);
      }
      placement.push(`floor MCP server: child process pid ${floor.pid} at ${floorUrl}`);
    }
    placement.push(
      `MCP clients, load generation, Redis floor clients and the probe: this process, pid ${process.pid} (one event loop)`,
      'all traffic on loopback; every process shares the same cores',
    );

    const pid = coordinator?.pid ?? options.pid;
    return {
      url,
      apiKey,
      tag,
      floorRedisUrl,
      floorUrl,
      probe,
      coordinatorPid: pid,
      build,
      placement,
      coordinatorRssMb: () => (pid ? rssMb(pid) : null),
      coordinatorCpuMs: () => (pid ? cpuMs(pid) : null),
      floorCpuMs: () => (floorPid ? cpuMs(floorPid) : null),
      saveProfile: (phase) => coordinator?.saveProfile(phase) ?? Promise.resolve(undefined),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Child logs stay for an hour after a run, for a look after the fact; older ones go. */
function pruneOldLogs(): void {
  const directory = join(benchCacheDir, 'logs');
  mkdirSync(directory, { recursive: true });
  for (const entry of readdirSync(directory)) {
    const path = join(directory, entry);
    if (Date.now() - statSync(path).mtimeMs > 3600_000) {
      rmSync(path, { force: true });
    }
  }
}

/** A private redis-server that is killed with the bench even if the bench crashes. */
async function startRedis(): Promise<Pick<RedisServer, 'port' | 'url' | 'stop'>> {
  const redis = await RedisServer.start();
  // stop() sends SIGKILL synchronously before it awaits, so it works in an exit handler.
  const killOnExit = () => void redis.stop();
  process.once('exit', killOnExit);
  return {
    port: redis.port,
    url: redis.url,
    stop: async () => {
      process.off('exit', killOnExit);
      await redis.stop();
    },
  };
}
