import type { RedisServer } from './redis-server.ts';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { testRedis?: RedisServer }).testRedis?.stop();
}
