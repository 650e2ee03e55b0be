import type { Server } from 'node:http';
import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';

/** How often idle connections are closed while the server drains. */
const DRAIN_POLL_MS = 20;
/** Past this, connections still busy are cut: no call but a wait lasts this long, and waits have ended. */
const DRAIN_LIMIT_MS = 3000;

/**
 * Lets the HTTP server close promptly on shutdown. server.close() closes the connections idle
 * at that moment only; a keep-alive connection whose response (a wait's "restarting" result)
 * finishes a moment later stays open until the client drops it, which for fetch clients is
 * seconds (3 s measured, delaying every exit by as much). So from the start of shutdown until
 * the server has closed, connections are closed as soon as they are idle, and after
 * DRAIN_LIMIT_MS whatever is left is cut.
 */
@Injectable()
export class HttpDrainService implements BeforeApplicationShutdown {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  beforeApplicationShutdown(): void {
    const server = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!server?.listening) {
      return;
    }
    const started = Date.now();
    const timer = setInterval(() => {
      if (Date.now() - started < DRAIN_LIMIT_MS) {
        server.closeIdleConnections();
      } else {
        server.closeAllConnections();
        clearInterval(timer);
      }
    }, DRAIN_POLL_MS).unref();
    server.once('close', () => clearInterval(timer));
  }
}
