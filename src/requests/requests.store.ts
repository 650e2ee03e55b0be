import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { RedisKeys } from '../redis/keys.js';
import { execResults } from '../redis/exec-results.js';
import { fromFlat } from '../redis/from-flat.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';
import { RequestPreview, RequestRecord, RequestState, ResponseStatus } from './request-record.js';

export interface NewRequest {
  requestId: string;
  conversationId: string;
  startsConversation: boolean;
  from: string;
  to: string;
  message: string;
  context: string;
  /** Given by the sender: repeats with this key return the first request. */
  idempotencyKey?: string;
  /** Whose send bucket pays: the sender's API key when it has one (all its agent ids share it), else the sender. */
  payer: string;
  /** Deliver it at once if nothing older is queued: this process holds a blocked wait of `to`'s. */
  deliverNow: boolean;
}

export type SendResult =
  | {
      ok: true;
      /** The state of the earlier request this send repeats, when it repeats one. */
      duplicateOf?: RequestState;
      requestId: string;
      conversationId: string;
      createdAt: number;
      targetLastSeen: string;
      targetLeftAt?: string;
      delivered?: RequestRecord;
    }
  | {
      ok: false;
      code: ScriptCode;
      /** For a limit: ms until the sender may send again, or the inbox's requests or bytes. */
      measure?: number;
    };

/** A script's answer: its code, and the answer time on success. */
export type Outcome = { ok: true; code: ScriptCode; at: number } | { ok: false; code: ScriptCode };

export interface PendingPage {
  total: number;
  requests: RequestPreview[];
  /** Ids this call moved from queued to delivered. */
  deliveredNow: string[];
  expired: number;
  nextCursor: string | null;
}

/**
 * How long an answer waits, unread, for its sender's push stream to tell it: past this the
 * sender is better served by its own wait_for_response than by a stale notice.
 */
export const UNREAD_ANSWER_KEEP_MS = 10 * 60_000;

/** All Redis I/O for requests; each change is one script of the catalog. */
@Injectable()
export class RequestsStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  async send(request: NewRequest): Promise<SendResult> {
    const k = this.keys;
    const fingerprint = digest(
      request.from,
      request.to,
      request.startsConversation ? '' : request.conversationId,
      request.message,
      request.context,
    );
    const dedupeHash =
      request.idempotencyKey === undefined
        ? fingerprint
        : digest(request.from, 'idempotency-key', request.idempotencyKey);
    const reply = await this.scripts.run(
      Scripts.sendRequest,
      {
        target: k.agent(request.to),
        request: k.request(request.requestId),
        queued: k.queued(request.to),
        pending: k.pending(request.to),
        conversation: k.conversation(request.conversationId),
        members: k.conversationMembers(request.conversationId),
        turns: k.conversationTurns(request.conversationId),
        sequence: k.sequence,
        dedupe: k.dedupe(dedupeHash),
        leases: k.leases,
        inboxBytes: k.inboxBytes(request.to),
        sendBucket: k.sendBucket(request.payer),
      },
      {
        requestId: request.requestId,
        conversationId: request.conversationId,
        startsConversation: request.startsConversation ? '1' : '0',
        from: request.from,
        to: request.to,
        message: request.message,
        context: request.context,
        ttlS: this.config.C3PO_REQUEST_TTL_S,
        keepS: this.config.C3PO_EXPIRED_KEEP_S,
        channel: k.events,
        deliverNow: request.deliverNow ? '1' : '0',
        leaseMs: this.leaseMs,
        fingerprint,
        idempotent: request.idempotencyKey === undefined ? '0' : '1',
        requestPrefix: k.requestPrefix,
        inboxMaxRequests: this.config.C3PO_INBOX_MAX_REQUESTS,
        inboxMaxBytes: this.config.C3PO_INBOX_MAX_BYTES,
        sendsPerMinute: this.config.C3PO_SENDS_PER_MINUTE,
      },
    );
    if (typeof reply === 'number') {
      return { ok: false, code: reply };
    }
    if (reply[0] !== ScriptCode.Ok && reply[0] !== ScriptCode.Duplicate) {
      return { ok: false, code: reply[0], measure: Number(reply[1]) };
    }
    const [code, requestId, conversationId, createdAt, targetLastSeen, targetLeftAt, last] = reply;
    return {
      ok: true,
      requestId,
      conversationId,
      createdAt: Number(createdAt),
      targetLastSeen,
      targetLeftAt: targetLeftAt || undefined,
      ...(code === ScriptCode.Duplicate
        ? { duplicateOf: last }
        : { delivered: last ? fromFlat<RequestRecord>(last) : undefined }),
    };
  }

  /** Undoes the delivery send() made for a wait that was gone by then: queued again, not counted. */
  async requeue(agentId: string, requestId: string): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      Scripts.requeueRequest,
      { request: k.request(requestId), queued: k.queued(agentId), leases: k.leases },
      { requestId, channel: k.events, ttlS: this.config.C3PO_REQUEST_TTL_S },
    );
  }

  /** The oldest queued request, now delivered and leased, and how many expired ones were dropped reaching it. */
  async claimQueued(agentId: string): Promise<{ claimed: RequestRecord | null; expired: number }> {
    const k = this.keys;
    const [flat, expired] = await this.scripts.run(
      Scripts.claimRequest,
      { queued: k.queued(agentId), pending: k.pending(agentId), leases: k.leases, inboxBytes: k.inboxBytes(agentId) },
      { requestPrefix: k.requestPrefix, leaseMs: this.leaseMs },
    );
    return { claimed: flat ? fromFlat<RequestRecord>(flat) : null, expired };
  }

  /** A page of the agent's open requests, oldest first; `lease` hands them out (delivered, leased). */
  async pending(
    agentId: string,
    page: { cursor?: string; limit: number; lease: boolean; previewBytes: { message: number; context: number } },
  ): Promise<PendingPage> {
    const k = this.keys;
    const [total, flats, deliveredNow, expired, nextCursor] = await this.scripts.run(
      Scripts.listPending,
      { pending: k.pending(agentId), queued: k.queued(agentId), leases: k.leases, inboxBytes: k.inboxBytes(agentId) },
      {
        requestPrefix: k.requestPrefix,
        cursor: page.cursor ?? '',
        limit: page.limit,
        leaseMs: page.lease ? this.leaseMs : 0,
        messageBytes: page.previewBytes.message,
        contextBytes: page.previewBytes.context,
      },
    );
    return {
      total,
      requests: flats.map((flat) => fromFlat<RequestPreview>(flat)),
      deliveredNow,
      expired,
      nextCursor: nextCursor || null,
    };
  }

  async respond(requestId: string, responder: string, response: string, status: ResponseStatus): Promise<Outcome> {
    const k = this.keys;
    const reply = await this.scripts.run(
      Scripts.respondToRequest,
      {
        request: k.request(requestId),
        pending: k.pending(responder),
        queued: k.queued(responder),
        leases: k.leases,
        dead: k.deadLetters,
        inboxBytes: k.inboxBytes(responder),
      },
      {
        requestId,
        responder,
        response,
        responseStatus: status,
        channel: k.events,
        answersPrefix: k.answersPrefix,
        unreadAnswerKeepMs: UNREAD_ANSWER_KEEP_MS,
      },
    );
    return outcome(reply);
  }

  /** Notes that the sender has the answer, so its push streams need not tell it. */
  async markAnswerRead(requestId: string, sender: string): Promise<void> {
    await this.scripts.run(
      Scripts.markAnswerRead,
      { request: this.keys.request(requestId), answers: this.keys.answers(sender) },
      { requestId },
    );
  }

  /** Withdraws a request; only its sender may. */
  async cancel(requestId: string, sender: string): Promise<Outcome> {
    const to = await this.addresseeOf(requestId);
    if (to === null) {
      return { ok: false, code: ScriptCode.NotFound };
    }
    const k = this.keys;
    const reply = await this.scripts.run(
      Scripts.cancelRequest,
      {
        request: k.request(requestId),
        pending: k.pending(to),
        queued: k.queued(to),
        leases: k.leases,
        dead: k.deadLetters,
        inboxBytes: k.inboxBytes(to),
      },
      { requestId, sender, channel: k.events },
    );
    return outcome(reply);
  }

  /** Takes back up to `limit` requests whose lease ran out: requeued, or undeliverable past the most deliveries. */
  async expireLeases(limit: number): Promise<{ requeued: string[]; undeliverable: string[] }> {
    const k = this.keys;
    const [requeued, undeliverable] = await this.scripts.run(
      Scripts.expireLeases,
      { leases: k.leases, dead: k.deadLetters },
      {
        requestPrefix: k.requestPrefix,
        queuedPrefix: k.queuedPrefix,
        pendingPrefix: k.pendingPrefix,
        maxDeliveries: this.config.C3PO_MAX_DELIVERIES,
        limit,
        channel: k.events,
        ttlS: this.config.C3PO_REQUEST_TTL_S,
        inboxBytesPrefix: k.inboxBytesPrefix,
      },
    );
    return { requeued, undeliverable };
  }

  async requeueDeadLetter(requestId: string): Promise<ScriptCode> {
    const to = await this.addresseeOf(requestId);
    if (to === null) {
      return ScriptCode.NotFound;
    }
    const k = this.keys;
    return this.scripts.run(
      Scripts.requeueDeadLetter,
      {
        request: k.request(requestId),
        queued: k.queued(to),
        pending: k.pending(to),
        dead: k.deadLetters,
        inboxBytes: k.inboxBytes(to),
      },
      { requestId, channel: k.events, ttlS: this.config.C3PO_REQUEST_TTL_S },
    );
  }

  /** A page of dead letters, oldest first, from offset `from`; ids whose hash expired are dropped. */
  async deadLetters(from: number, limit: number): Promise<{ total: number; requests: RequestRecord[] }> {
    const k = this.keys;
    const [total, ids] = await execResults<[number, string[]]>(
      this.redis
        .multi()
        .zcard(k.deadLetters)
        .zrange(k.deadLetters, String(from), String(from + limit - 1)),
    );
    const pipeline = this.redis.pipeline();
    ids.forEach((id) => pipeline.hgetall(k.request(id)));
    const records = await execResults<RequestRecord[]>(pipeline);
    const gone = ids.filter((_id, i) => !records[i].request_id);
    if (gone.length > 0) {
      await this.redis.zrem(k.deadLetters, ...gone);
    }
    return { total: total - gone.length, requests: records.filter((record) => record.request_id) };
  }

  /** Counts a blocked wait of the agent's that lasts at most `longestMs`, unless it has C3PO_MAX_WAITS_PER_AGENT. */
  beginWait(agentId: string, waitId: string, longestMs: number): Promise<ScriptCode.Ok | ScriptCode.NoPlaceLeft> {
    return this.scripts.run(
      Scripts.takePlace,
      { places: this.keys.waits(agentId) },
      { placeId: waitId, longestMs, maxPlaces: this.config.C3PO_MAX_WAITS_PER_AGENT },
    );
  }

  async endWait(agentId: string, waitId: string): Promise<void> {
    await this.redis.zrem(this.keys.waits(agentId), waitId);
  }

  /**
   * The addressee, whose inbox keys a script on the request must name. It never changes, so
   * reading it before the script races with nothing.
   */
  private addresseeOf(requestId: string): Promise<string | null> {
    return this.redis.hget(this.keys.request(requestId), 'to_agent');
  }

  async get(requestId: string): Promise<RequestRecord | null> {
    const record = await this.redis.hgetall(this.keys.request(requestId));
    return record.request_id ? (record as unknown as RequestRecord) : null;
  }

  /** The request whole; its addressee reading a request delivered to it renews the lease. */
  async read(requestId: string, reader: string): Promise<RequestRecord | null> {
    const flat = await this.scripts.run(
      Scripts.readRequest,
      { request: this.keys.request(requestId), leases: this.keys.leases },
      { reader, leaseMs: this.leaseMs },
    );
    return flat.length > 0 ? fromFlat<RequestRecord>(flat) : null;
  }

  /** The conversation's participants and its requests in order (expired ones left out). */
  async conversation(conversationId: string): Promise<{ participants: string[]; turns: RequestRecord[] } | null> {
    const k = this.keys;
    const [exists, participants, turnIds] = await execResults<[number, string[], string[]]>(
      this.redis
        .multi()
        .exists(k.conversation(conversationId))
        .smembers(k.conversationMembers(conversationId))
        .lrange(k.conversationTurns(conversationId), 0, -1),
    );
    if (!exists) {
      return null;
    }
    const pipeline = this.redis.pipeline();
    turnIds.forEach((id) => pipeline.hgetall(k.request(id)));
    const turns = await execResults<RequestRecord[]>(pipeline);
    return { participants: participants.sort(), turns: turns.filter((record) => record.request_id) };
  }

  private get leaseMs(): number {
    return this.config.C3PO_DELIVERY_LEASE_S * 1000;
  }
}

function outcome(reply: ScriptCode | [ScriptCode, string | number]): Outcome {
  return typeof reply === 'number' ? { ok: false, code: reply } : { ok: true, code: reply[0], at: Number(reply[1]) };
}

/** A fixed-size key for a send's content: fields joined with a separator no id can hold. */
function digest(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url');
}
