import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import { CoordinatorProcess } from './support/coordinator-process.js';
import { eventually } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';

/** Whether a process with this pid still runs; a zombie (exited, its orphan not yet reaped) does not. */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc (macOS): kill(pid, 0) is all we know
  }
}

/** The pid of the redis-server answering on `socket`. */
async function redisPid(socket: string): Promise<number> {
  const redis = new Redis({ path: socket });
  try {
    return Number(/process_id:(\d+)/.exec(await redis.info('server'))![1]);
  } finally {
    redis.disconnect();
  }
}

describe('the coordinator without REDIS_URL', () => {
  let dataDir: string;
  let coordinator: CoordinatorProcess | undefined;
  const leftovers: number[] = [];

  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'c3po-data-'));
  });

  afterEach(async () => {
    // SIGTERM, not SIGKILL: the coordinator then stops its redis-server too.
    await coordinator?.terminate();
    coordinator = undefined;
    // A redis-server a failed test left behind.
    leftovers.splice(0).forEach((pid) => running(pid) && process.kill(pid, 'SIGKILL'));
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** REDIS_URL set to nothing counts as unset; the tests' own REDIS_URL must not leak in. */
  const embedded = () => ({ REDIS_URL: '', C3PO_DATA_DIR: dataDir });

  it('starts its own durable Redis, keeps requests across a restart and stops Redis on SIGTERM', async () => {
    coordinator = await CoordinatorProcess.start(embedded());
    await eventually(async () => (await request(coordinator!.url).get('/api/health')).status === 200, 'readiness');
    const socket = join(dataDir, 'redis.sock');
    const pid = await redisPid(socket);
    leftovers.push(pid);
    const probe = new Redis({ path: socket });
    try {
      expect(await probe.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await probe.config('GET', 'port')).toEqual(['port', '0']);
    } finally {
      probe.disconnect();
    }

    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.registered(coordinator.url, 'bob');
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'kept on disk' });
    await Promise.all([alice.close(), bob.close()]);

    expect(await coordinator.terminate()).toBe(0);
    expect(running(pid)).toBe(false);
    expect(coordinator.output.join('\n')).not.toMatch(/appendonly no|lost its data/);

    coordinator = await CoordinatorProcess.start(embedded());
    const bobAgain = await Agent.connect(coordinator.url, 'bob');
    try {
      const received = await bobAgain.ok('wait_for_request', { timeout: 5 });
      expect(received.request).toMatchObject({ request_id, message: 'kept on disk' });
    } finally {
      await bobAgain.close();
    }
  });

  it('shuts down the redis-server a killed coordinator left running, and keeps its data', async () => {
    coordinator = await CoordinatorProcess.start(embedded());
    const socket = join(dataDir, 'redis.sock');
    const orphan = await redisPid(socket);
    leftovers.push(orphan);
    const alice = await Agent.connect(coordinator.url, 'alice');
    const bob = await Agent.registered(coordinator.url, 'bob');
    const { request_id } = await alice.ok('send_request', { target: 'bob', message: 'outlives a SIGKILL' });
    await Promise.all([alice.close(), bob.close()]);
    await coordinator.kill();
    expect(running(orphan)).toBe(true);

    coordinator = await CoordinatorProcess.start(embedded());
    expect(running(orphan)).toBe(false);
    expect(coordinator.output.join('\n')).toMatch(/left running/);
    leftovers.push(await redisPid(socket));
    const bobAgain = await Agent.connect(coordinator.url, 'bob');
    try {
      const received = await bobAgain.ok('wait_for_request', { timeout: 5 });
      expect(received.request).toMatchObject({ request_id, message: 'outlives a SIGKILL' });
    } finally {
      await bobAgain.close();
    }
    expect(await coordinator.terminate()).toBe(0);
  });

  it('exits with code 1 and says how to get a Redis when redis-server is not installed', async () => {
    const { code, output } = await CoordinatorProcess.runToExit({ ...embedded(), PATH: dataDir });
    expect(code).toBe(1);
    const said = output.filter((line) => line.trim() !== '');
    expect(said).toEqual([expect.stringMatching(/redis-server is not installed/)]);
    expect(said[0]).toMatch(/apt-get install redis-server/);
    expect(said[0]).toMatch(/brew install redis/);
    expect(said[0]).toMatch(/set REDIS_URL/);
    expect(said[0]).toMatch(/docker compose up -d/);
  });
});
