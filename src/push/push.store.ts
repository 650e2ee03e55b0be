import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UNREAD_ANSWER_KEEP_MS } from '../requests/requests.store.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';

/** Most requests, and most answers, one push lists; the rest wait for the next push. */
const MOST_PER_PUSH = 10;
/** Bytes of a message or an answer a push previews (the tools give it whole). */
const PREVIEW_BYTES = 400;
/**
 * Queued requests a push looks at, newest first (and mailbox entries, most urgent first). Older
 * requests were looked at when they arrived; the bound keeps a push's cost flat however full the
 * inbox or mailbox is.
 */
const LOOK_BACK = 100;

export interface PushedRequest {
  requestId: string;
  from: string;
  conversationId: string;
  /** The message's first PREVIEW_BYTES bytes (possibly cut inside a character). */
  message: string;
}

/** A message awaiting the agent's ack, as a push names it. */
export interface PushedMessage {
  id: string;
  from: string;
  type: string;
  subject: string;
}

export interface PushedAnswer {
  requestId: string;
  responder: string;
  responseStatus: string;
  response: string;
}

/** What one push session has not been told yet (answers: no session of its agent), now marked told. */
export interface Untold {
  /** Requests queued for the agent in all, told or not. */
  queued: number;
  requests: PushedRequest[];
  answers: PushedAnswer[];
  /** Messages awaiting the agent's ack it has not been shown (check_messages shows them). */
  messages: PushedMessage[];
}

/** Redis I/O of push sessions and streams; each change is one script of the catalog. */
@Injectable()
export class PushStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  /** A session lapses unless something renews it within three heartbeats. */
  get lifetimeMs(): number {
    return 3 * this.config.C3PO_PUSH_HEARTBEAT_S * 1000;
  }

  /** Counts a new push session of the agent's, unless it has C3PO_MAX_PUSH_SESSIONS_PER_AGENT. */
  openSession(agentId: string, sessionId: string): Promise<ScriptCode.Ok | ScriptCode.NoPlaceLeft> {
    return this.scripts.run(
      Scripts.takePlace,
      { places: this.keys.pushSessions(agentId) },
      { placeId: sessionId, longestMs: this.lifetimeMs, maxPlaces: this.config.C3PO_MAX_PUSH_SESSIONS_PER_AGENT },
    );
  }

  /** Renews a live session (and its stream, opening it with `openStream`); false when it lapsed. */
  async renew(agentId: string, sessionId: string, openStream = false): Promise<boolean> {
    const code = await this.scripts.run(
      Scripts.renewPushSession,
      { sessions: this.keys.pushSessions(agentId), streams: this.keys.pushStreams(agentId) },
      { sessionId, lifetimeMs: this.lifetimeMs, openStream: openStream ? '1' : '0' },
    );
    return code === ScriptCode.Ok;
  }

  /** Closes the session's stream (and the session with `endSession`); true when the agent went offline. */
  async closeStream(agentId: string, sessionId: string, endSession: boolean): Promise<boolean> {
    const k = this.keys;
    const offline = await this.scripts.run(
      Scripts.closePushStream,
      { sessions: k.pushSessions(agentId), streams: k.pushStreams(agentId), agent: k.agent(agentId) },
      { sessionId, endSession: endSession ? '1' : '0' },
    );
    return offline === 1;
  }

  /** Takes what the session has not been told, marking it told. */
  async untold(agentId: string, sessionId: string): Promise<Untold> {
    const [[queued, requests, answers], messages] = await Promise.all([
      this.untoldRequests(agentId, sessionId),
      this.untoldMessages(agentId, sessionId),
    ]);
    return { queued, requests, answers, messages };
  }

  private async untoldMessages(agentId: string, sessionId: string): Promise<PushedMessage[]> {
    const told = await this.scripts.run(
      Scripts.collectMessagePushes,
      { mailbox: this.keys.mailbox(agentId), agent: this.keys.agent(agentId) },
      { messagePrefix: this.keys.messagePrefix, agentId, sessionId, most: MOST_PER_PUSH, lookBack: LOOK_BACK },
    );
    return told.map(([id, from, type, subject]) => ({ id, from, type, subject }));
  }

  private async untoldRequests(agentId: string, sessionId: string): Promise<[number, PushedRequest[], PushedAnswer[]]> {
    const [queued, requests, answers] = await this.scripts.run(
      Scripts.collectPushes,
      { queued: this.keys.queued(agentId), answers: this.keys.answers(agentId), agent: this.keys.agent(agentId) },
      {
        requestPrefix: this.keys.requestPrefix,
        sessionId,
        most: MOST_PER_PUSH,
        previewBytes: PREVIEW_BYTES,
        lookBack: LOOK_BACK,
        unreadAnswerKeepMs: UNREAD_ANSWER_KEEP_MS,
      },
    );
    return [
      queued,
      requests.map(([requestId, from, conversationId, message]) => ({ requestId, from, conversationId, message })),
      answers.map(([requestId, responder, responseStatus, response]) => ({
        requestId,
        responder,
        responseStatus,
        response,
      })),
    ];
  }
}
