import { MiddlewareConsumer, Module, NestModule, RequestMethod, ValidationPipe } from '@nestjs/common';
import { APP_FILTER, APP_PIPE } from '@nestjs/core';
import { AgentsModule } from './agents/agents.module.js';
import { AuditModule } from './audit/audit.module.js';
import { AuthModule } from './auth/auth.module.js';
import { ApiExceptionFilter } from './common/api-exception.filter.js';
import { HttpDrainService } from './common/http-drain.service.js';
import { JsonDepthMiddleware } from './common/json-depth.middleware.js';
import { ConfigModule } from './config/config.module.js';
import { HealthModule } from './health/health.module.js';
import { FindingsModule } from './findings/findings.module.js';
import { HooksModule } from './hooks/hooks.module.js';
import { CallLoggingMiddleware } from './logging/call-logging.middleware.js';
import { McpModule } from './mcp/mcp.module.js';
import { MessagesModule } from './messages/messages.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { PresenceModule } from './presence/presence.module.js';
import { PushModule } from './push/push.module.js';
import { RedisModule } from './redis/redis.module.js';
import { RequestsModule } from './requests/requests.module.js';
import { ReservationsModule } from './reservations/reservations.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { HostOriginMiddleware } from './security/host-origin.middleware.js';

@Module({
  imports: [
    ConfigModule,
    MetricsModule,
    RedisModule,
    AuditModule,
    AuthModule,
    PresenceModule,
    AgentsModule,
    RequestsModule,
    FindingsModule,
    ReservationsModule,
    MessagesModule,
    TasksModule,
    PushModule,
    HooksModule,
    HealthModule,
    McpModule,
  ],
  providers: [
    {
      provide: APP_PIPE,
      useValue: new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }),
    },
    { provide: APP_FILTER, useClass: ApiExceptionFilter },
    HttpDrainService,
  ],
})
export class AppModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(CallLoggingMiddleware).forRoutes('*path');
    // After the logging middleware, so a refusal is logged and counted like any answer. /metrics
    // is left out: Prometheus scrapes each pod by its IP, a Host no list could name in advance,
    // and it reads counters only, nothing a rebinding page could misuse.
    consumer.apply(HostOriginMiddleware).exclude({ path: 'metrics', method: RequestMethod.ALL }).forRoutes('*path');
    // After the Host check: a page on a foreign host learns nothing from how deep its body was.
    consumer.apply(JsonDepthMiddleware).forRoutes('*path');
  }
}
