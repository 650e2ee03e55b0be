import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../test/support/redis-server.ts';
import { ChildServer, cpuMs, rssMb } from './child-server.ts';

export const projectRoot = resolve(import.meta.dirname, '..', '..');
/** What `npm start` runs; used as it is with --no-build. */
export const distMain = join(projectRoot, 'dist', 'main.js');
/**
 * The bench's own build of src/: same `nest build`, same tsconfig.build.json (extended only for
 * outDir, see bench/tsconfig.build.json), written under node_modules/.cache so it never deletes
 * dist/ under a concurrently running `npm test` (whose pretest rebuilds dist/), and stays out
 * of git, ESLint and Prettier.
 */
export const benchCacheDir = join(projectRoot, 'node_modules', '.cache', 'c3po-bench');
export const benchMain = join(benchCacheDir, 'dist', 'main.js');

/** Files whose change means a build no longer matches the source. */
function newestSourceMtime(): number {
  let newest = 0;
  const visit = (path: string) => {
    const stat = statSync(path);
    if (stat.isDirectory()) {
      readdirSync(path).forEach((entry) => visit(join(path, entry)));
    } else {
      newest = Math.max(newest, stat.mtimeMs);
    }
  };
  visit(join(projectRoot, 'src'));
  ['tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package.json', 'bench/tsconfig.build.json'].forEach(
    (file) => visit(join(projectRoot, file)),
  );
  return newest;
}

/**
 * Runs `nest build -p bench/tsconfig.build.json` when the bench's build is missing or older than
 * any file in src/ (or the build configuration), so the bench never measures stale code, and
 * skips it otherwise. Returns what it did, for the printout.
 */
export function ensureBuilt(force: boolean): 'built' | 'up to date' {
  if (!force && existsSync(benchMain) && statSync(benchMain).mtimeMs >= newestSourceMtime()) {
    return 'up to date';
  }
  // The CLI runs on this same Node binary (24), whatever `node` is first on PATH.
  const result = spawnSync(
    process.execPath,
    [join(projectRoot, 'node_modules/@nestjs/cli/bin/nest.js'), 'build', '-p', 'bench/tsconfig.build.json'],
    { cwd: projectRoot, encoding: 'utf8' },
  );
  if (result.status !== 0) {
    throw new Error(
      `nest build failed (exit ${result.status}); fix src/ or run with --no-build to use dist/ as it is:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return 'built';
}

/**
 * The coordinator entry a bench runs, building it first when needed: `never` runs dist/main.js
 * as it is, `always` rebuilds, `auto` rebuilds when src/ is newer. Says what it did, for the report.
 */
export function coordinatorEntry(build: 'auto' | 'always' | 'never'): { main: string; build: string } {
  if (build === 'never') {
    return { main: distMain, build: 'skipped (--no-build): runs dist/main.js as it is' };
  }
  if (ensureBuilt(build === 'always') === 'built') {
    return {
      main: benchMain,
      build: `ran nest build -p bench/tsconfig.build.json (${build === 'always' ? '--build' : 'missing or older than src/'})`,
    };
  }
  return { main: benchMain, build: 'bench build newer than src/, not rebuilt' };
}

/**
 * The Node flags `npm start` runs the coordinator with (the heap settings in package.json's
 * start script, which the image's CMD repeats), so that the bench measures it as it runs.
 */
export function startFlags(): string[] {
  const start = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')).scripts.start as string;
  const words = start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/main.js') {
    throw new Error(`package.json's start script is not "node [flags] dist/main.js": ${start}`);
  }
  return words.slice(1, -1);
}

export interface CoordinatorOptions {
  /** The built entry point: benchMain, or distMain with --no-build. */
  main: string;
  redisUrl: string;
  prefix: string;
  /** Where the coordinator's stdout and stderr go. */
  logFile: string;
  /**
   * Node/V8 flags for the child after npm start's own (a later flag wins), space-separated:
   * command line, not NODE_OPTIONS, which refuses many.
   */
  nodeFlags?: string;
  /** Directory for per-phase CPU profiles of the coordinator; none when undefined. */
  profileDir?: string;
  /**
   * Turn API keys on (C3PO_ADMIN_TOKEN set) and create one key for every agent id ('*'), which
   * the bench's agents then send with every call: the guard's key check is then part of each.
   */
  keys?: boolean;
  /** More environment for the coordinator (C3PO_PUSH_BATCH_MS, …), over the bench's own. */
  env?: Record<string, string>;
}

/** The real coordinator (a nest build of src/, main.js) in its own process, as it runs in production. */
export class CoordinatorProcess {
  readonly url: string;
  /** With keys on: the key for '*' that every agent sends. */
  apiKey?: string;
  private readonly server: ChildServer;
  private readonly profileDir?: string;

  private constructor(url: string, server: ChildServer, profileDir?: string) {
    this.url = url;
    this.server = server;
    this.profileDir = profileDir;
  }

  static async start(options: CoordinatorOptions): Promise<CoordinatorProcess> {
    const port = await freePort();
    const env: Record<string, string> = {
      REDIS_URL: options.redisUrl,
      C3PO_PORT: String(port),
      C3PO_HOST: '127.0.0.1',
      C3PO_KEY_PREFIX: options.prefix,
      // The bench drives single agents far past the default limits (1,000 wake-up sends from one
      // sender, round trips as fast as they go, an inbox of 3,000 requests of 128 KB): it measures
      // the coordinator's speed, not its limits, so those are raised out of the way.
      C3PO_SENDS_PER_MINUTE: '1000000',
      C3PO_INBOX_MAX_REQUESTS: '1000000',
      C3PO_INBOX_MAX_BYTES: String(1024 ** 4),
      ...options.env,
    };
    if (options.keys) {
      env.C3PO_ADMIN_TOKEN = randomBytes(32).toString('hex');
    }
    const args = [...startFlags(), ...(options.nodeFlags?.split(/\s+/).filter(Boolean) ?? []), options.main];
    if (options.profileDir) {
      // A profiler started from a preload, because --cpu-prof writes nothing when Nest's
      // shutdown hook ends the process by re-raising SIGTERM.
      args.unshift('--import', join(import.meta.dirname, 'cpu-profiler.ts'));
      env.C3PO_BENCH_PROFILE_DIR = options.profileDir;
    }
    const server = await ChildServer.start({
      name: 'coordinator',
      args,
      env,
      logFile: options.logFile,
      ready: /coordinator listening on/,
    });
    const coordinator = new CoordinatorProcess(`http://127.0.0.1:${port}`, server, options.profileDir);
    await coordinator.waitUntilHealthy();
    if (options.keys) {
      coordinator.apiKey = await coordinator.createApiKey(env.C3PO_ADMIN_TOKEN);
    }
    return coordinator;
  }

  get pid(): number {
    return this.server.pid;
  }

  rssMb(): number | null {
    return rssMb(this.pid);
  }

  cpuMs(): number | null {
    return cpuMs(this.pid);
  }

  /**
   * Writes the CPU profile gathered since the last call to `<profileDir>/<name>.cpuprofile` and
   * starts a new one, so each bench phase gets its own profile.
   */
  async saveProfile(name: string): Promise<string | undefined> {
    if (!this.profileDir) {
      return undefined;
    }
    const written = this.server.waitForLine(/cpu profile written: /, 10_000);
    this.server.signal('SIGUSR2');
    const from = (await written).replace(/^.*cpu profile written: /, '').trim();
    const to = join(this.profileDir, `${name}.cpuprofile`);
    renameSync(from, to);
    return to;
  }

  tail(): string {
    return this.server.tail();
  }

  get logFile(): string {
    return this.server.logFile;
  }

  stop(): Promise<void> {
    return this.server.stop();
  }

  /** POST /api/admin/keys, as `npx c3po keys create --name bench --agent '*'` does. */
  private async createApiKey(adminToken: string): Promise<string> {
    const response = await fetch(`${this.url}/api/admin/keys`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${adminToken}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: 'bench', agent: '*' }),
    });
    const body = (await response.json().catch(() => ({}))) as { key?: string };
    if (response.status !== 201 || typeof body.key !== 'string') {
      throw new Error(`POST /api/admin/keys answered HTTP ${response.status}: ${JSON.stringify(body).slice(0, 200)}`);
    }
    return body.key;
  }

  /** GET /api/health answers 200 once Redis is reachable from the coordinator. */
  private async waitUntilHealthy(): Promise<void> {
    const until = Date.now() + 15_000;
    for (;;) {
      const status = await fetch(`${this.url}/api/health`).then(
        (response) => response.status,
        () => 0,
      );
      if (status === 200) {
        return;
      }
      if (Date.now() > until) {
        throw new Error(`coordinator not healthy after 15 s (last status ${status}):\n${this.tail()}`);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}
