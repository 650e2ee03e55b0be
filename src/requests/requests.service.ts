import { randomUUID } from 'node:crypto';
import { BadRequestException, ForbiddenException, Injectable, NotFoundException } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service.js';
import { parseAgentId } from '../agents/agent-id.js';
import { AppConfig } from '../config/app-config.js';
import { isoFromMs } from '../common/timestamps.js';
import { annotateCall } from '../logging/call-context.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import {
  RequestRecord,
  RequestView,
  requestView,
  ResponseStatus,
  ResponseView,
  responseView,
} from './request-record.js';
import { RequestsStore } from './requests.store.js';
import { WaitOutcome, WakeupService } from './wakeup.service.js';

export interface SendRequestInput {
  target: string;
  message: string;
  context?: string;
  conversation_id?: string;
}

export interface SendRequestResult {
  request_id: string;
  conversation_id: string;
  status: 'queued';
  target_online: boolean;
}

/** How a blocked wait is observed: the caller's cancellation and a progress sink. */
export interface WaitHooks {
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, timeoutMs: number) => Promise<void>;
}

export type WaitForRequestResult =
  { status: 'received'; request: RequestView } | { status: 'timeout'; waited_seconds: number } | Restarting;

export type WaitForResponseResult =
  | ({ status: 'answered'; request_id: string } & ResponseView)
  | { status: 'timeout'; request_id: string; waited_seconds: number }
  | (Restarting & { request_id: string });

interface Restarting {
  status: 'restarting';
  message: string;
}

export interface Conversation {
  conversation_id: string;
  participants: string[];
  turns: { request: RequestView; response?: ResponseView }[];
}

const RESTARTING: Restarting = {
  status: 'restarting',
  message: 'coordinator restarting, call again: nothing was lost, the request is still there',
};

@Injectable()
export class RequestsService {
  constructor(
    private readonly store: RequestsStore,
    private readonly wakeups: WakeupService,
    private readonly agents: AgentsService,
    private readonly presence: PresenceService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    metrics.gauge('c3po_blocked_waiters', 'Waits blocked in this process now', () => wakeups.blockedWaiters);
  }

  async send(from: string, input: SendRequestInput): Promise<SendRequestResult> {
    const target = parseAgentId(input.target, 'target');
    if (target === from) {
      throw new BadRequestException(`you are '${from}': a request to yourself would never be answered`);
    }
    if (input.message.trim() === '') {
      throw new BadRequestException('message is empty: say what you need from the other agent');
    }
    this.checkSize('message', input.message);
    this.checkSize('context', input.context ?? '');
    const conversationId = input.conversation_id ?? `conv-${randomUUID()}`;
    const requestId = `req-${randomUUID()}`;
    const targetTopic = this.wakeups.requestTopic(target);
    const result = await this.store.send({
      requestId,
      conversationId,
      startsConversation: input.conversation_id === undefined,
      from,
      to: target,
      message: input.message,
      context: input.context ?? '',
      deliverNow: this.wakeups.isWaiting(targetTopic),
    });
    if (!result.ok) {
      switch (result.reason) {
        case 'unknown-target':
          throw new NotFoundException(await this.unknownTargetMessage(target));
        case 'no-conversation':
          throw new NotFoundException(
            `conversation '${conversationId}' not found (it may have expired): leave out conversation_id to start a new one`,
          );
        case 'not-a-participant':
          throw new ForbiddenException(`you ('${from}') are not a participant of conversation '${conversationId}'`);
      }
    }
    this.metrics.requestsSent.inc();
    annotateCall({ request_id: requestId, to_agent: target });
    // The wait that made the script deliver may have ended while the script ran.
    if (result.delivered && !this.wakeups.handOff(targetTopic, result.delivered)) {
      await this.store.requeue(target, requestId);
    }
    const status = this.presence.statusOf(
      { last_seen: result.targetLastSeen, left_at: result.targetLeftAt },
      result.createdAt,
    );
    return {
      request_id: requestId,
      conversation_id: conversationId,
      status: 'queued',
      target_online: status === 'online',
    };
  }

  async pending(agentId: string, markDelivered: boolean): Promise<RequestView[]> {
    const { requests, deliveredNow, expired } = await this.store.pending(agentId, markDelivered);
    this.metrics.requestsExpired.inc(expired);
    requests.filter((r) => deliveredNow.includes(r.request_id)).forEach((r) => this.recordDelivery(r));
    return requests.map(requestView);
  }

  async waitForRequest(agentId: string, timeoutSeconds: number, hooks: WaitHooks = {}): Promise<WaitForRequestResult> {
    const outcome = await this.timedWait('wait_for_request', () =>
      this.wakeups.waitFor(
        this.wakeups.requestTopic(agentId),
        async () => {
          const { claimed, expired } = await this.store.claimQueued(agentId);
          this.metrics.requestsExpired.inc(expired);
          return claimed;
        },
        this.waitOptions(agentId, timeoutSeconds, hooks),
      ),
    );
    switch (outcome.kind) {
      case 'found':
        this.recordDelivery(outcome.value);
        return { status: 'received', request: requestView(outcome.value) };
      case 'restarting':
        return RESTARTING;
      default:
        return { status: 'timeout', waited_seconds: timeoutSeconds };
    }
  }

  async respond(agentId: string, requestId: string, response: string, status: ResponseStatus) {
    if (response.trim() === '') {
      throw new BadRequestException("response is empty: give the answer, or a reason with status 'declined'");
    }
    this.checkSize('response', response);
    const result = await this.store.respond(requestId, agentId, response, status);
    if (!result.ok) {
      switch (result.reason) {
        case 'not-found':
          throw new NotFoundException(`request '${requestId}' not found`);
        case 'not-addressee':
          throw new ForbiddenException(`request '${requestId}' is not addressed to you ('${agentId}')`);
        case 'already-answered':
          throw new BadRequestException(`request '${requestId}' was already answered`);
      }
    }
    this.metrics.requestsAnswered.inc({ response_status: status });
    const answeredAt = isoFromMs(result.answeredAt)!;
    // An answer never changes, so the sender's waits asleep in this process can have it without
    // reading it back; waits in other processes get the wake-up the script published.
    const answer: ResponseView = { from_agent: agentId, response, response_status: status, answered_at: answeredAt };
    this.wakeups.handToAll(this.wakeups.responseTopic(requestId), answer);
    return { request_id: requestId, status: 'answered' as const, answered_at: answeredAt };
  }

  async waitForResponse(
    agentId: string,
    requestId: string,
    timeoutSeconds: number,
    hooks: WaitHooks = {},
  ): Promise<WaitForResponseResult> {
    // The sender check reads inside the wait, so one read both checks and looks for the
    // answer: only reads made after the doorbell is set up are sure to see an answer whose
    // wake-up they could otherwise miss.
    let firstRead = true;
    const outcome = await this.timedWait('wait_for_response', () =>
      this.wakeups.waitFor(
        this.wakeups.responseTopic(requestId),
        async () => {
          const request = await this.store.get(requestId);
          if (!request) {
            throw new NotFoundException(
              firstRead ? `request '${requestId}' not found` : `request '${requestId}' expired while waiting`,
            );
          }
          firstRead = false;
          if (request.from_agent !== agentId) {
            throw new ForbiddenException(
              `only the sender ('${request.from_agent}') can wait for request '${requestId}'`,
            );
          }
          return responseView(request);
        },
        this.waitOptions(agentId, timeoutSeconds, hooks),
      ),
    );
    switch (outcome.kind) {
      case 'found':
        return { status: 'answered', request_id: requestId, ...outcome.value };
      case 'restarting':
        return { ...RESTARTING, request_id: requestId };
      default:
        return { status: 'timeout', request_id: requestId, waited_seconds: timeoutSeconds };
    }
  }

  async conversation(agentId: string, conversationId: string): Promise<Conversation> {
    const found = await this.store.conversation(conversationId);
    if (!found) {
      throw new NotFoundException(`conversation '${conversationId}' not found (it may have expired)`);
    }
    if (!found.participants.includes(agentId)) {
      throw new ForbiddenException(`you ('${agentId}') are not a participant of conversation '${conversationId}'`);
    }
    return {
      conversation_id: conversationId,
      participants: found.participants,
      turns: found.turns.map((record: RequestRecord) => {
        const response = responseView(record);
        return response ? { request: requestView(record), response } : { request: requestView(record) };
      }),
    };
  }

  private async timedWait<T>(tool: string, wait: () => Promise<WaitOutcome<T>>): Promise<WaitOutcome<T>> {
    const stop = this.metrics.waitDuration.startTimer({ tool });
    const outcome = await wait();
    stop({ outcome: outcome.kind });
    return outcome;
  }

  private recordDelivery(request: RequestRecord): void {
    this.metrics.deliveryLatency.observe((Number(request.delivered_at) - Number(request.created_at)) / 1000);
    annotateCall({ request_id: request.request_id });
  }

  private waitOptions(agentId: string, timeoutSeconds: number, hooks: WaitHooks) {
    const timeoutMs = timeoutSeconds * 1000;
    return {
      timeoutMs,
      signal: hooks.signal,
      onHeartbeat: async (elapsedMs: number) => {
        await this.presence.seen(agentId);
        await hooks.onProgress?.(elapsedMs, timeoutMs);
      },
    };
  }

  private checkSize(field: string, value: string): void {
    const bytes = Buffer.byteLength(value, 'utf8');
    const limit = this.config.C3PO_MAX_MESSAGE_BYTES;
    if (bytes > limit) {
      throw new BadRequestException(
        `${field} is ${bytes} bytes, over the ${limit}-byte limit (C3PO_MAX_MESSAGE_BYTES): send a summary, or split it`,
      );
    }
  }

  private async unknownTargetMessage(target: string): Promise<string> {
    const known = (await this.agents.list()).map((agent) => `${agent.agent_id} (${agent.status})`);
    const list = known.length > 0 ? known.join(', ') : 'none yet';
    return `agent '${target}' has never connected, so the request was not queued. Known agents: ${list}`;
  }
}
