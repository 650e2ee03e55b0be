import { randomUUID } from 'node:crypto';
import { Injectable, Logger, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { Metrics } from '../metrics/metrics.js';
import { callContext } from './call-context.js';

/**
 * Opens a log context for each HTTP call and writes one line when it ends. Probes and
 * scrapes are counted but not logged: they would drown everything else.
 */
@Injectable()
export class CallLoggingMiddleware implements NestMiddleware {
  private readonly logger = new Logger('HTTP');

  constructor(private readonly metrics: Metrics) {}

  use(request: Request, response: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const header = request.headers['x-request-id'];
    const context = { call_id: typeof header === 'string' && header.length <= 100 ? header : randomUUID() };
    response.on('finish', () => {
      const route = (request.route as { path?: string } | undefined)?.path ?? 'unmatched';
      this.metrics.httpResponses.inc({ method: request.method, route, status: String(response.statusCode) });
      if (route.startsWith('/api/health') || route === '/metrics') {
        return;
      }
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      // originalUrl: a call refused by a later middleware (Host, Origin) still sees its path
      // relative to that middleware's mount point ("/"); cut, as a caller chooses its length.
      const path = request.originalUrl.split('?')[0].slice(0, 200);
      callContext.run(context, () =>
        this.logger.log(`${request.method} ${path} ${response.statusCode} ${ms.toFixed(1)}ms`),
      );
    });
    callContext.run(context, next);
  }
}
