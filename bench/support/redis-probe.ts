import { Redis } from 'ioredis';

export interface RedisClients {
  /** INFO clients → connected_clients, minus this probe's own connection. */
  others: number;
  /** The same connections, counted by CLIENT SETNAME name (the coordinator names its own). */
  byName: Record<string, number>;
}

/**
 * The bench's one observing connection to the coordinator's Redis. Every figure it reports
 * leaves this connection out; the bench opens no other connection to that Redis except in the
 * Redis floor measurement, which has finished by then.
 */
export class RedisProbe {
  private readonly redis: Redis;

  private constructor(redis: Redis) {
    this.redis = redis;
  }

  static async connect(url: string): Promise<RedisProbe> {
    const redis = new Redis(url, { connectionName: 'c3po-bench-probe', maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect();
    return new RedisProbe(redis);
  }

  async version(): Promise<string> {
    return (await this.info('server')).redis_version ?? 'unknown';
  }

  async clients(): Promise<RedisClients> {
    const connected = Number((await this.info('clients')).connected_clients);
    const list = (await this.redis.client('LIST')) as string;
    const byName: Record<string, number> = {};
    let mine = 0;
    for (const line of list.split('\n').filter((entry) => entry.trim() !== '')) {
      const name = /(?:^| )name=(\S*)/.exec(line)?.[1] || '(unnamed)';
      if (name === 'c3po-bench-probe') {
        mine++;
        continue;
      }
      byName[name] = (byName[name] ?? 0) + 1;
    }
    return { others: connected - mine, byName };
  }

  /** INFO memory → used_memory: what Redis's allocator holds for data and overhead, in MB. */
  async usedMemoryMb(): Promise<number> {
    return Math.round((Number((await this.info('memory')).used_memory) / 1048576) * 10) / 10;
  }

  /** Redis server CPU (user + system) used so far, in ms. */
  async cpuMs(): Promise<number> {
    const cpu = await this.info('cpu');
    return (Number(cpu.used_cpu_user) + Number(cpu.used_cpu_sys)) * 1000;
  }

  async close(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }

  private async info(section: string): Promise<Record<string, string>> {
    const text = await this.redis.info(section);
    return Object.fromEntries(
      text
        .split('\r\n')
        .filter((line) => line.includes(':') && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1)]),
    );
  }
}
