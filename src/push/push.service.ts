import { randomUUID } from 'node:crypto';
import { BeforeApplicationShutdown, ConflictException, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { grouped } from '../common/grouped.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import { ScriptCode } from '../redis/script-code.js';
import { isStorageUnavailable } from '../redis/storage-errors.js';
import { messageTopic, requestTopic, responseTopic } from '../redis/topics.js';
import { WakeupService } from '../requests/wakeup.service.js';
import { channelMessage } from './push-protocol.js';
import { pushNotice } from './push-notice.js';
import { PushStore } from './push.store.js';

/** A push session's event stream held open by this process. */
interface OpenStream {
  agentId: string;
  sessionId: string;
  /** The API key the stream was opened with: pushes stop when it is revoked. */
  key?: KeyHolder;
  response: Response;
  closed: boolean;
  /** The client has not read the last write yet; still so at the next heartbeat, it is cut. */
  backedUp: boolean;
  heartbeat: NodeJS.Timeout;
  /** Set while a push is gathering (C3PO_PUSH_BATCH_MS). */
  batch?: NodeJS.Timeout;
  stopWatching: (() => void)[];
}

/**
 * Pushes requests, answers and messages awaiting an ack into Claude Code sessions through their
 * push streams.
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
  /** Open streams by agent and session id (one per session in this process). */
  private readonly streams = new Map<string, OpenStream>();
  /** Streams being opened: taken before the first await, so two GETs cannot both open one. */
  private readonly opening = new Set<string>();
  private shuttingDown = false;

  constructor(
    private readonly store: PushStore,
    private readonly wakeups: WakeupService,
    private readonly presence: PresenceService,
    private readonly apiKeys: ApiKeysService,
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

  /** Whether the session is live, renewing it: any call in it shows its Claude Code is there. */
  isLive(agentId: string, sessionId: string): Promise<boolean> {
    return this.store.renew(agentId, sessionId);
  }

  /**
   * Holds `response` open as the session's event stream and pushes into it until it closes. A
   * session id this coordinator does not know (it lapsed, or Redis lost it) is taken up again:
   * Claude Code answers a 404 here by giving up the stream for good, not by initializing again.
   */
  async attach(agentId: string, sessionId: string, response: Response, key?: KeyHolder): Promise<void> {
    const id = streamId(agentId, sessionId);
    if (this.streams.has(id) || this.opening.has(id)) {
      throw new ConflictException('this push session already has its event stream open: close it first');
    }
    this.opening.add(id);
    try {
      if (!(await this.store.renew(agentId, sessionId, true))) {
        await this.admit(agentId, sessionId);
        await this.store.renew(agentId, sessionId, true);
      }
    } finally {
      this.opening.delete(id);
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
      key,
      response,
      closed: false,
      backedUp: false,
      heartbeat: setInterval(() => void this.beat(stream), this.config.C3PO_PUSH_HEARTBEAT_S * 1000),
      stopWatching: [requestTopic(agentId), responseTopic(agentId), messageTopic(agentId)].map((topic) =>
        this.wakeups.watch(topic, () => this.schedule(stream)),
      ),
    };
    this.streams.set(id, stream);
    response.on('close', () => void this.detach(stream));
    // A socket error ends the response too ('close' follows); unheard, it would end the process.
    response.on('error', (error) => this.logger.debug(`push stream of '${agentId}' failed: ${error.message}`));
    response.on('drain', () => (stream.backedUp = false));
    this.schedule(stream); // what already waits
  }

  /** Ends the session (MCP DELETE): its stream, here or in another process, closes with it. */
  async end(agentId: string, sessionId: string): Promise<void> {
    const stream = this.streams.get(streamId(agentId, sessionId));
    if (stream) {
      this.close(stream);
    }
    if (await this.store.closeStream(agentId, sessionId, true)) {
      this.presence.forget(agentId);
    }
  }

  beforeApplicationShutdown(): void {
    // Streams end without closing in Redis: their clients reconnect to another process, and a
    // stream that does not comes off when its lifetime runs out.
    this.shuttingDown = true;
    this.streams.forEach((stream) => this.close(stream));
  }

  private async admit(agentId: string, sessionId: string): Promise<void> {
    if ((await this.store.openSession(agentId, sessionId)) === ScriptCode.NoPlaceLeft) {
      throw new TooManyRequestsException(
        `'${agentId}' already has ${grouped(this.config.C3PO_MAX_PUSH_SESSIONS_PER_AGENT)} push sessions ` +
          '(C3PO_MAX_PUSH_SESSIONS_PER_AGENT): close a Claude Code session of this agent, or give it its own C3PO_AGENT_ID',
      );
    }
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
      // Checked before anything is taken: what a revoked key's stream would be told stays untold.
      if (!(await this.stillAllowed(stream))) {
        return;
      }
      const notice = pushNotice(await this.store.untold(stream.agentId, stream.sessionId));
      if (notice && this.write(stream, channelMessage(notice))) {
        this.metrics.pushes.inc();
      }
    } catch (error) {
      // Untold stays untold: the next wake-up or heartbeat tries again. Redis being away is
      // logged once by its connection, not once per stream and heartbeat.
      const log = isStorageUnavailable(error) ? 'debug' : 'warn';
      this.logger[log](`push to '${stream.agentId}' deferred: ${(error as Error).message}`);
    }
  }

  /**
   * Keeps the stream and its session alive, and re-checks for what a lost wake-up left untold.
   * A client that has not read the previous heartbeat's writes is cut rather than buffered for.
   */
  private async beat(stream: OpenStream): Promise<void> {
    if (stream.backedUp) {
      this.close(stream);
      return;
    }
    this.write(stream, ': keep-alive\n\n');
    try {
      // The holder knows its stream is open: a late close of the same session elsewhere must
      // not leave it unlisted.
      if (!(await this.stillAllowed(stream)) || !(await this.store.renew(stream.agentId, stream.sessionId, true))) {
        this.close(stream); // the key was revoked, or the session ended elsewhere
        return;
      }
      await this.presence.seen(stream.agentId, '', { create: false });
    } catch (error) {
      this.logger.debug(`push stream of '${stream.agentId}' not renewed: ${(error as Error).message}`);
    }
    this.schedule(stream);
  }

  /** False, and the stream closed, once the API key it was opened with is revoked. */
  private async stillAllowed(stream: OpenStream): Promise<boolean> {
    if (stream.key && !(await this.apiKeys.isValid(stream.key.id))) {
      this.close(stream);
    }
    return !stream.closed;
  }

  /** Writes to an open stream; false when it is closed. */
  private write(stream: OpenStream, text: string): boolean {
    if (stream.closed || stream.response.writableEnded) {
      return false;
    }
    if (!stream.response.write(text)) {
      stream.backedUp = true;
    }
    return true;
  }

  /** Ends the stream: nothing more is written, and the response's 'close' runs detach(). */
  private close(stream: OpenStream): void {
    stream.closed = true;
    stream.response.end();
  }

  private async detach(stream: OpenStream): Promise<void> {
    stream.closed = true;
    clearInterval(stream.heartbeat);
    clearTimeout(stream.batch);
    stream.stopWatching.forEach((stop) => stop());
    const id = streamId(stream.agentId, stream.sessionId);
    if (this.streams.get(id) === stream) {
      this.streams.delete(id);
    }
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

/** Session ids are per agent: another agent naming one gets its own, never this one's stream. */
function streamId(agentId: string, sessionId: string): string {
  return `${agentId} ${sessionId}`;
}
