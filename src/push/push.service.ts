import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, ConflictException, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { grouped } from '../common/grouped.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import { ScriptCode } from '../redis/script-code.js';
import { isStorageUnavailable } from '../redis/storage-errors.js';
import { requestTopic, responseTopic } from '../redis/topics.js';
import { WakeupService } from '../requests/wakeup.service.js';
import { channelMessage } from './push-protocol.js';
import { pushNotice } from './push-notice.js';
import { PushStore } from './push.store.js';

/** A push session's event stream held open by this process. */
interface OpenStream {
  agentId: string;
  sessionId: string;
  response: Response;
  closed: boolean;
  heartbeat: NodeJS.Timeout;
  /** Set while a push is gathering (C3PO_PUSH_BATCH_MS). */
  batch?: NodeJS.Timeout;
  stopWatching: (() => void)[];
}

/**
 * Pushes requests and answers into Claude Code sessions through their push streams.
 *
 * A stream lives in the process that holds its GET; a request or answer arriving in any process
 * reaches it as a wake-up on the events channel (as blocked waits are woken), and the holder
 * then takes from Redis, atomically, what its session has not been told. So a push is never
 * repeated to a session, a lost wake-up only delays it to the next heartbeat, and nothing is
 * pushed but a new request or answer: a push never causes another.
 */
@Injectable()
export class PushService implements BeforeApplicationShutdown {
  private readonly logger = new Logger(PushService.name);
  private readonly streams = new Map<string, OpenStream>();
  private shuttingDown = false;

  constructor(
    private readonly store: PushStore,
    private readonly wakeups: WakeupService,
    private readonly presence: PresenceService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('c3po_push_streams', 'Push streams open in this process now', () => this.streams.size);
  }

  /** A new push session for the agent (MCP `initialize`); its id is the MCP session id. */
  async openSession(agentId: string): Promise<string> {
    const sessionId = randomUUID();
    await this.admit(agentId, sessionId);
    return sessionId;
  }

  private async admit(agentId: string, sessionId: string): Promise<void> {
    if ((await this.store.openSession(agentId, sessionId)) === ScriptCode.NoPlaceLeft) {
      throw new TooManyRequestsException(
        `'${agentId}' already has ${grouped(this.config.C3PO_MAX_PUSH_SESSIONS_PER_AGENT)} push sessions ` +
          '(C3PO_MAX_PUSH_SESSIONS_PER_AGENT): close a Claude Code session of this agent, or give it its own C3PO_AGENT_ID',
      );
    }
  }

  /** Whether the session is live, renewing it: any call in it shows its Claude Code is there. */
  isLive(agentId: string, sessionId: string): Promise<boolean> {
    return this.store.renew(agentId, sessionId);
  }

  /**
   * Holds `response` open as the session's event stream and pushes into it until it closes. A
   * session id this coordinator does not know (it lapsed, or Redis lost it) is taken up again:
   * Claude Code answers a 404 here by giving up the stream for good, not by initializing again.
   */
  async attach(agentId: string, sessionId: string, response: Response): Promise<void> {
    if (this.streams.has(sessionId)) {
      throw new ConflictException('this push session already has its event stream open: close it first');
    }
    if (!(await this.store.renew(agentId, sessionId, true))) {
      await this.admit(agentId, sessionId);
      await this.store.renew(agentId, sessionId, true);
    }
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no', // a proxy must pass each event on at once
    });
    response.flushHeaders();
    const stream: OpenStream = {
      agentId,
      sessionId,
      response,
      closed: false,
      heartbeat: setInterval(() => void this.beat(stream), this.config.C3PO_PUSH_HEARTBEAT_S * 1000),
      stopWatching: [requestTopic(agentId), responseTopic(agentId)].map((topic) =>
        this.wakeups.watch(topic, () => this.schedule(stream)),
      ),
    };
    this.streams.set(sessionId, stream);
    response.on('close', () => void this.detach(stream));
    this.schedule(stream); // what already waits
  }

  /** Ends the session (MCP DELETE): its stream, here or in another process, closes with it. */
  async end(agentId: string, sessionId: string): Promise<void> {
    this.streams.get(sessionId)?.response.end();
    if (await this.store.closeStream(agentId, sessionId, true)) {
      this.presence.forget(agentId);
    }
  }

  beforeApplicationShutdown(): void {
    // Streams end without closing in Redis: their clients reconnect to another process, and a
    // stream that does not comes off when its lifetime runs out.
    this.shuttingDown = true;
    this.streams.forEach((stream) => stream.response.end());
  }

  /** Pushes, after C3PO_PUSH_BATCH_MS, whatever has arrived by then; one push per batch. */
  private schedule(stream: OpenStream): void {
    if (stream.batch || stream.closed) {
      return;
    }
    stream.batch = setTimeout(() => {
      stream.batch = undefined;
      void this.push(stream);
    }, this.config.C3PO_PUSH_BATCH_MS);
  }

  private async push(stream: OpenStream): Promise<void> {
    try {
      const notice = pushNotice(await this.store.untold(stream.agentId, stream.sessionId));
      if (notice && !stream.closed) {
        stream.response.write(channelMessage(notice));
        this.metrics.pushes.inc();
      }
    } catch (error) {
      // Untold stays untold: the next wake-up or heartbeat tries again. Redis being away is
      // logged once by its connection, not once per stream and heartbeat.
      const log = isStorageUnavailable(error) ? 'debug' : 'warn';
      this.logger[log](`push to '${stream.agentId}' deferred: ${(error as Error).message}`);
    }
  }

  /** Keeps the stream and its session alive, and re-checks for what a lost wake-up left untold. */
  private async beat(stream: OpenStream): Promise<void> {
    stream.response.write(': keep-alive\n\n');
    try {
      if (!(await this.store.renew(stream.agentId, stream.sessionId))) {
        stream.response.end(); // the session was ended elsewhere
        return;
      }
      await this.presence.seen(stream.agentId, '', { create: false });
    } catch (error) {
      this.logger.debug(`push stream of '${stream.agentId}' not renewed: ${(error as Error).message}`);
    }
    this.schedule(stream);
  }

  private async detach(stream: OpenStream): Promise<void> {
    stream.closed = true;
    clearInterval(stream.heartbeat);
    clearTimeout(stream.batch);
    stream.stopWatching.forEach((stop) => stop());
    this.streams.delete(stream.sessionId);
    if (this.shuttingDown) {
      return;
    }
    try {
      if (await this.store.closeStream(stream.agentId, stream.sessionId, false)) {
        this.presence.forget(stream.agentId);
      }
    } catch (error) {
      this.logger.warn(`closed push stream of '${stream.agentId}' not recorded: ${(error as Error).message}`);
    }
  }
}
