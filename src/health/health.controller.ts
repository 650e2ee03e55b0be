import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { RedisHealthIndicator } from './redis.health.js';

@Controller('api/health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly redis: RedisHealthIndicator,
  ) {}

  /** Readiness: can this process serve calls? 503 while Redis is unreachable. */
  @Get()
  @HealthCheck()
  ready() {
    return this.health.check([() => this.redis.isReachable()]);
  }

  /** Liveness: the process answers. Never depends on Redis, so a Redis outage restarts nothing. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }
}
