import { Global, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { RedisKeys } from './keys.js';
import { connectRedis } from './redis-connection.js';
import { REDIS_CLIENT } from './redis.constants.js';
import { RedisDurabilityService } from './redis-durability.service.js';
import { RedisScripts } from './redis-scripts.js';

@Global()
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      useFactory: (config: AppConfig, metrics: Metrics) =>
        // The main connection speaks for Redis in the log; the subscriber stays quiet.
        connectRedis(config.REDIS_URL, 'main', () => metrics.redisErrors.inc(), {
          commandTimeoutMs: config.C3PO_REDIS_TIMEOUT_MS,
          logOutages: true,
        }),
      inject: [AppConfig, Metrics],
    },
    {
      provide: RedisKeys,
      useFactory: (config: AppConfig) => new RedisKeys(config.C3PO_KEY_PREFIX),
      inject: [AppConfig],
    },
    RedisScripts,
    RedisDurabilityService,
  ],
  exports: [REDIS_CLIENT, RedisKeys, RedisScripts],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}
