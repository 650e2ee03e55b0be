import { RedisServer } from './redis-server.ts';

/** Starts the private Redis all test files share (each under its own key prefix). */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) {
    return;
  }
  const redis = await RedisServer.start();
  process.env.REDIS_URL = redis.url;
  (globalThis as { testRedis?: RedisServer }).testRedis = redis;
}
