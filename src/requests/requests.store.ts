import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { RedisKeys } from '../redis/keys.js';
import { execResults } from '../redis/exec-results.js';
import { fromFlat } from '../redis/from-flat.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { RequestRecord, ResponseStatus } from './request-record.js';

export interface NewRequest {
  requestId: string;
  conversationId: string;
  startsConversation: boolean;
  from: string;
  to: string;
  message: string;
  context: string;
  /** Deliver it at once if nothing older is queued: this process holds a blocked wait of `to`'s. */
  deliverNow: boolean;
}

export type SendResult =
  | { ok: true; createdAt: number; targetLastSeen: string; targetLeftAt?: string; delivered?: RequestRecord }
  | { ok: false; reason: 'unknown-target' | 'no-conversation' | 'not-a-participant' };

export type RespondResult =
  { ok: true; answeredAt: number } | { ok: false; reason: 'not-found' | 'not-addressee' | 'already-answered' };

const sendFailures = { '-1': 'unknown-target', '-2': 'no-conversation', '-3': 'not-a-participant' } as const;
const respondFailures = { '-1': 'not-found', '-2': 'not-addressee', '-3': 'already-answered' } as const;

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
    const result = await this.scripts.run(
      'sendRequest',
      [
        k.agent(request.to),
        k.request(request.requestId),
        k.queued(request.to),
        k.pending(request.to),
        k.conversation(request.conversationId),
        k.conversationMembers(request.conversationId),
        k.conversationTurns(request.conversationId),
        k.sequence,
      ],
      [
        request.requestId,
        request.conversationId,
        request.startsConversation ? '1' : '0',
        request.from,
        request.to,
        request.message,
        request.context,
        this.config.C3PO_REQUEST_TTL_S,
        k.events,
        request.deliverNow ? '1' : '0',
      ],
    );
    if (typeof result === 'number') {
      return { ok: false, reason: sendFailures[String(result) as keyof typeof sendFailures] };
    }
    const [, createdAt, targetLastSeen, targetLeftAt, delivered] = result as [
      number,
      string,
      string,
      string,
      string[] | null,
    ];
    return {
      ok: true,
      createdAt: Number(createdAt),
      targetLastSeen,
      targetLeftAt: targetLeftAt || undefined,
      delivered: delivered ? fromFlat<RequestRecord>(delivered) : undefined,
    };
  }

  /** Queues again a request that send() delivered for a wait that was gone by then. */
  async requeue(agentId: string, requestId: string): Promise<void> {
    const k = this.keys;
    await this.scripts.run(
      'requeueRequest',
      [k.request(requestId), k.queued(agentId), k.pending(agentId)],
      [requestId, agentId, k.events, this.config.C3PO_REQUEST_TTL_S],
    );
  }

  /** The oldest queued request, now delivered, and how many expired ones were dropped reaching it. */
  async claimQueued(agentId: string): Promise<{ claimed: RequestRecord | null; expired: number }> {
    const [flat, expired] = (await this.scripts.run(
      'claimRequest',
      [this.keys.queued(agentId), this.keys.pending(agentId)],
      [this.keys.requestPrefix],
    )) as [string[] | null, number];
    return { claimed: flat ? fromFlat<RequestRecord>(flat) : null, expired };
  }

  /**
   * Unanswered requests for the agent, oldest first; `markDelivered` when the agent reads them.
   * Also says which requests this call delivered and how many expired ones it pruned.
   */
  async pending(
    agentId: string,
    markDelivered: boolean,
  ): Promise<{ requests: RequestRecord[]; deliveredNow: string[]; expired: number }> {
    const [flats, deliveredNow, expired] = (await this.scripts.run(
      'listPending',
      [this.keys.pending(agentId), this.keys.queued(agentId)],
      [this.keys.requestPrefix, markDelivered ? '1' : '0'],
    )) as [string[][], string[], number];
    return { requests: flats.map((flat) => fromFlat<RequestRecord>(flat)), deliveredNow, expired };
  }

  async respond(
    requestId: string,
    responder: string,
    response: string,
    status: ResponseStatus,
  ): Promise<RespondResult> {
    const k = this.keys;
    const result = await this.scripts.run(
      'respondToRequest',
      [k.request(requestId), k.pending(responder), k.queued(responder)],
      [requestId, responder, response, status, k.events],
    );
    if (typeof result === 'number') {
      return { ok: false, reason: respondFailures[String(result) as keyof typeof respondFailures] };
    }
    return { ok: true, answeredAt: Number((result as [number, string])[1]) };
  }

  async get(requestId: string): Promise<RequestRecord | null> {
    const record = await this.redis.hgetall(this.keys.request(requestId));
    return record.request_id ? (record as unknown as RequestRecord) : null;
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
}
