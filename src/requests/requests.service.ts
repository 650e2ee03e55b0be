import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { AgentsService } from '../agents/agents.service.js';
import { parseAgentId } from '../agents/agent-id.js';
import { AuditService } from '../audit/audit.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { AppConfig } from '../config/app-config.js';
import { grouped } from '../common/grouped.js';
import { checkMessageBytes } from '../common/message-bytes.js';
import { isoFromMs } from '../common/timestamps.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { annotateCall } from '../logging/call-context.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import { describeCode, ScriptCode } from '../redis/script-code.js';
import { answerTopic } from '../redis/topics.js';
import { DeliveryService } from './delivery.service.js';
import {
  PendingView,
  pendingView,
  RequestRecord,
  RequestState,
  RequestStatus,
  statusView,
  RequestView,
  requestView,
  ResponseStatus,
  ResponseView,
  responseView,
  stateOf,
} from './request-record.js';
import { RequestsStore } from './requests.store.js';
import { WaitHooks, WaitsService } from './waits.service.js';
import { WakeupService } from './wakeup.service.js';

export interface SendRequestInput {
  target: string;
  message: string;
  context?: string;
  conversation_id?: string;
  idempotency_key?: string;
}

export interface SendRequestResult {
  request_id: string;
  conversation_id: string;
  status: RequestState;
  target_online: boolean;
  duplicate?: true;
}

/** A wait that ended without its answer for a reason of the coordinator's: call again. */
interface CallAgain {
  status: 'restarting' | 'unavailable';
  message: string;
}

export type WaitForRequestResult =
  { status: 'received'; request: RequestView } | { status: 'timeout'; waited_seconds: number } | CallAgain;

/** A request closed without an answer: the sender need not wait any longer. */
type Unanswered = { status: 'undeliverable' | 'cancelled' | 'expired'; request_id: string; message: string } & Partial<
  Pick<RequestStatus, 'delivery_count' | 'undeliverable_at' | 'cancelled_at' | 'expires_at'>
>;

type Answered = { status: 'answered'; request_id: string } & ResponseView;

export type WaitForResponseResult =
  | Answered
  | Unanswered
  | ({ status: 'timeout'; request_id: string; waited_seconds: number; message: string } & Partial<RequestStatus>)
  | (CallAgain & { request_id: string });

export interface PendingPageResult {
  requests: PendingView[];
  total: number;
  next_cursor: string | null;
}

export interface Conversation {
  conversation_id: string;
  participants: string[];
  turns: { request: RequestView; response?: ResponseView }[];
}

const RESTARTING: CallAgain = {
  status: 'restarting',
  message: 'coordinator restarting, call again: nothing was lost, the request is still there',
};
const UNAVAILABLE: CallAgain = {
  status: 'unavailable',
  message: 'storage unavailable, call again in a few seconds: nothing was lost',
};

/** The audit outcome of each limit a send can meet. */
const SEND_LIMITS: Partial<Record<ScriptCode, string>> = {
  [ScriptCode.SendRateExceeded]: 'send rate',
  [ScriptCode.InboxFull]: 'inbox full',
  [ScriptCode.InboxBytesFull]: 'inbox bytes full',
};

@Injectable()
export class RequestsService {
  private readonly logger = new Logger(RequestsService.name);

  constructor(
    private readonly store: RequestsStore,
    private readonly delivery: DeliveryService,
    private readonly wakeups: WakeupService,
    private readonly agents: AgentsService,
    private readonly presence: PresenceService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly audit: AuditService,
    private readonly waits: WaitsService,
  ) {
    metrics.gauge('c3po_blocked_waiters', 'Waits blocked in this process now', () => wakeups.blockedWaiters);
  }

  /** `key`: the API key of the call, whose agent ids share one send bucket. */
  async send(from: string, input: SendRequestInput, key?: KeyHolder): Promise<SendRequestResult> {
    const target = parseAgentId(input.target, 'target');
    if (target === from) {
      throw new BadRequestException(`you are '${from}': a request to yourself would never be answered`);
    }
    if (input.message.trim() === '') {
      throw new BadRequestException('message is empty: say what you need from the other agent');
    }
    this.checkSize('message', input.message);
    this.checkSize('context', input.context ?? '');
    const result = await this.delivery.send({
      requestId: `req-${randomUUID()}`,
      conversationId: input.conversation_id ?? `conv-${randomUUID()}`,
      startsConversation: input.conversation_id === undefined,
      from,
      to: target,
      message: input.message,
      context: input.context ?? '',
      idempotencyKey: input.idempotency_key,
      // "key:" cannot start an agent id, so a key's bucket never meets an agent's.
      payer: key ? `key:${key.id}` : from,
    });
    if (!result.ok) {
      const limit = SEND_LIMITS[result.code];
      this.audit.record(
        limit
          ? { action: 'refused.limit', outcome: limit, detail: `target=${target}` }
          : { action: 'send', outcome: describeCode(result.code), detail: `to ${target}` },
      );
      throw await this.refusal(result.code, {
        agentId: from,
        target,
        conversationId: input.conversation_id,
        bytes: Buffer.byteLength(input.message) + Buffer.byteLength(input.context ?? ''),
        measure: result.measure,
        keyName: key?.name,
      });
    }
    this.audit.record({
      action: 'send',
      outcome: result.duplicateOf ? 'duplicate' : 'ok',
      detail: `${result.requestId} to ${target}`,
    });
    if (!result.duplicateOf) {
      this.metrics.requestsSent.inc();
    }
    annotateCall({ request_id: result.requestId, to_agent: target });
    const status = this.presence.statusOf(
      { last_seen: result.targetLastSeen, left_at: result.targetLeftAt },
      result.createdAt,
    );
    return {
      request_id: result.requestId,
      conversation_id: result.conversationId,
      status: result.duplicateOf ?? 'queued',
      target_online: status === 'online',
      ...(result.duplicateOf && { duplicate: true as const }),
    };
  }

  /** A page of the agent's open requests, oldest first; `lease` hands them out to it (MCP), else a peek (hooks). */
  async pending(
    agentId: string,
    page: { limit: number; cursor?: string; lease: boolean; previewBytes?: { message: number; context: number } },
  ): Promise<PendingPageResult> {
    const preview = this.config.C3PO_PREVIEW_BYTES;
    const result = await this.delivery.page(agentId, {
      ...page,
      previewBytes: page.previewBytes ?? { message: preview, context: preview },
    });
    result.requests.filter((r) => result.deliveredNow.includes(r.request_id)).forEach((r) => this.recordDelivery(r));
    return { requests: result.requests.map(pendingView), total: result.total, next_cursor: result.nextCursor };
  }

  async waitForRequest(agentId: string, timeoutSeconds: number, hooks: WaitHooks = {}): Promise<WaitForRequestResult> {
    const outcome = await this.waits.run(agentId, 'wait_for_request', timeoutSeconds, hooks, (options) =>
      this.delivery.receive(agentId, options),
    );
    switch (outcome.kind) {
      case 'found':
        if (hooks.key && outcome.handed) {
          // A hand-off skips the check before each attempt: give the request back for the next taker.
          await this.waits.ensureKeyValid(hooks.key).catch(async (error: Error) => {
            await this.delivery.giveBack(agentId, outcome.value.request_id);
            throw error;
          });
        }
        this.recordDelivery(outcome.value);
        return { status: 'received', request: requestView(outcome.value) };
      case 'restarting':
        return RESTARTING;
      case 'unavailable':
        return UNAVAILABLE;
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
    this.audit.record({ action: 'answer', outcome: describeCode(result.code), detail: requestId });
    if (!result.ok) {
      throw await this.refusal(result.code, { agentId, requestId });
    }
    const answeredAt = isoFromMs(result.at)!;
    if (result.code === ScriptCode.Ok) {
      this.metrics.requestsAnswered.inc({ response_status: status });
      // An answer never changes, so the sender's waits asleep in this process can have it without
      // reading it back; waits in other processes get the wake-up the script published.
      const answer: Answered = {
        status: 'answered',
        request_id: requestId,
        from_agent: agentId,
        response,
        response_status: status,
        answered_at: answeredAt,
      };
      this.wakeups.handToAll(answerTopic(requestId), answer);
    }
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
    let lastSeen: RequestRecord | undefined;
    const outcome = await this.waits.run(agentId, 'wait_for_response', timeoutSeconds, hooks, (options) =>
      this.wakeups.waitFor<Answered | Unanswered>(
        answerTopic(requestId),
        async () => {
          const request = await this.store.get(requestId);
          if (!request) {
            throw new NotFoundException(
              lastSeen ? `request '${requestId}' expired while waiting` : `request '${requestId}' not found`,
            );
          }
          lastSeen = request;
          if (request.from_agent !== agentId) {
            throw new ForbiddenException(
              `only the sender ('${request.from_agent}') can wait for request '${requestId}'`,
            );
          }
          return closedResult(request);
        },
        options,
      ),
    );
    switch (outcome.kind) {
      case 'found':
        if (hooks.key && outcome.handed) {
          await this.waits.ensureKeyValid(hooks.key);
        }
        if (outcome.value.status === 'answered') {
          // Not awaited: the answer need not wait; unmarked, a push may tell the sender once more.
          this.store.markAnswerRead(requestId, agentId).catch((error: Error) => {
            this.logger.debug(`answer of ${requestId} not marked read: ${error.message}`);
          });
        }
        return outcome.value;
      case 'restarting':
        return { ...RESTARTING, request_id: requestId };
      case 'unavailable':
        return { ...UNAVAILABLE, request_id: requestId };
      default:
        return this.timedOut(requestId, timeoutSeconds, lastSeen);
    }
  }

  /** The request whole, for its sender or addressee; the addressee reading it renews its lease. */
  async get(agentId: string, requestId: string): Promise<RequestView> {
    const record = await this.store.read(requestId, agentId);
    return requestView(this.visibleTo(agentId, requestId, record));
  }

  async status(agentId: string, requestId: string): Promise<RequestStatus> {
    return statusView(this.visibleTo(agentId, requestId, await this.store.get(requestId)));
  }

  async cancel(
    agentId: string,
    requestId: string,
  ): Promise<{ request_id: string; state: 'cancelled'; cancelled_at: string }> {
    const result = await this.store.cancel(requestId, agentId);
    this.audit.record({ action: 'cancel', outcome: describeCode(result.code), detail: requestId });
    if (!result.ok) {
      throw await this.refusal(result.code, { agentId, requestId });
    }
    return { request_id: requestId, state: 'cancelled', cancelled_at: isoFromMs(result.at)! };
  }

  /** Dead letters for operators, oldest first, `limit` from offset `from`. */
  async deadLetters(
    from: number,
    limit: number,
  ): Promise<{ total: number; requests: RequestStatus[]; next: number | null }> {
    const { total, requests } = await this.store.deadLetters(from, limit);
    return { total, requests: requests.map(statusView), next: from + limit < total ? from + limit : null };
  }

  /** Gives a dead letter a fresh start: queued again for its addressee, delivery count reset. */
  async requeueDeadLetter(requestId: string): Promise<RequestStatus> {
    const code = await this.store.requeueDeadLetter(requestId);
    const record = await this.store.get(requestId);
    if (code === ScriptCode.NotFound || !record) {
      throw new NotFoundException(`request '${requestId}' not found (it may have expired)`);
    }
    if (code === ScriptCode.NotDeadLetter) {
      throw new ConflictException(
        `request '${requestId}' is ${stateOf(record)}, not undeliverable: nothing to requeue`,
      );
    }
    return statusView(record);
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

  private visibleTo(agentId: string, requestId: string, record: RequestRecord | null): RequestRecord {
    if (!record) {
      throw new NotFoundException(`request '${requestId}' not found (it may have expired)`);
    }
    if (record.from_agent !== agentId && record.to_agent !== agentId) {
      throw new ForbiddenException(`request '${requestId}' is neither from nor to you ('${agentId}')`);
    }
    return record;
  }

  /** A timed-out wait says how far the request got, read afresh, so the sender knows if it was even seen. */
  private async timedOut(
    requestId: string,
    waitedSeconds: number,
    lastSeen: RequestRecord | undefined,
  ): Promise<WaitForResponseResult> {
    const record = (await this.store.get(requestId).catch(() => null)) ?? lastSeen;
    const closed = record && closedResult(record);
    if (closed) {
      return closed;
    }
    const status = record && statusView(record);
    return {
      status: 'timeout',
      request_id: requestId,
      waited_seconds: waitedSeconds,
      message: `${whereItIs(record, status)}: call wait_for_response again to keep waiting, or cancel_request`,
      ...status,
    };
  }

  private recordDelivery(request: RequestRecord): void {
    this.metrics.deliveryLatency.observe((Number(request.delivered_at) - Number(request.created_at)) / 1000);
    annotateCall({ request_id: request.request_id });
  }

  private checkSize(field: string, value: string): void {
    checkMessageBytes(field, value, this.config.C3PO_MAX_MESSAGE_BYTES, 'send a summary, or split it');
  }

  /** The error a script's refusal code means, worded for the caller. */
  private async refusal(
    code: ScriptCode,
    ids: {
      agentId: string;
      requestId?: string;
      target?: string;
      conversationId?: string;
      /** The refused request's message and context bytes. */
      bytes?: number;
      /** A limit's measure from the store (see SendResult). */
      measure?: number;
      /** The API key whose send bucket ran dry. */
      keyName?: string;
    },
  ): Promise<HttpException> {
    const request = `request '${ids.requestId}'`;
    switch (code) {
      case ScriptCode.UnknownTarget:
        return new NotFoundException(await this.agents.notRegistered(ids.target!, 'request was not queued'));
      case ScriptCode.NoConversation:
        return new NotFoundException(
          `conversation '${ids.conversationId}' not found (it may have expired): leave out conversation_id to start a new one`,
        );
      case ScriptCode.NotParticipant:
        return new ForbiddenException(
          `you ('${ids.agentId}') are not a participant of conversation '${ids.conversationId}'`,
        );
      case ScriptCode.KeyReused:
        return new ConflictException(
          'idempotency_key was already used for a different request: use a new key for a new request',
        );
      case ScriptCode.SendRateExceeded: {
        const seconds = Math.max(1, Math.ceil(ids.measure! / 1000));
        const who = ids.keyName ? `the agents of API key '${ids.keyName}'` : `'${ids.agentId}'`;
        return new TooManyRequestsException(
          `${who} may send ${grouped(this.config.C3PO_SENDS_PER_MINUTE)} requests a minute ` +
            `(C3PO_SENDS_PER_MINUTE): retry in ${seconds} s`,
          seconds,
        );
      }
      case ScriptCode.InboxFull:
        return new TooManyRequestsException(
          `the inbox of '${ids.target}' is full (${grouped(ids.measure!)} unanswered requests): try later or ask the user`,
        );
      case ScriptCode.InboxBytesFull:
        return new TooManyRequestsException(
          `the inbox of '${ids.target}' is full (${grouped(ids.measure!)} bytes of unanswered requests; this one's ` +
            `${grouped(ids.bytes!)} bytes would pass C3PO_INBOX_MAX_BYTES, ${grouped(this.config.C3PO_INBOX_MAX_BYTES)}): ` +
            'try later or ask the user',
        );
      case ScriptCode.NotFound:
        return new NotFoundException(`${request} not found (it may have expired)`);
      case ScriptCode.NotAddressee:
        return new ForbiddenException(`${request} is not addressed to you ('${ids.agentId}')`);
      case ScriptCode.NotSender:
        return new ForbiddenException(
          `${request} was not sent by you ('${ids.agentId}'): only its sender can cancel it`,
        );
      case ScriptCode.AlreadyAnswered:
        return new BadRequestException(`${request} was already answered (answers cannot change or be cancelled)`);
      case ScriptCode.Cancelled:
        return new BadRequestException(`${request} was cancelled by its sender: no answer is needed`);
      case ScriptCode.Expired:
        return new BadRequestException(`${request} expired unanswered (C3PO_REQUEST_TTL_S): it is closed`);
      default:
        return new ConflictException(`${request}: unexpected store answer ${code}`);
    }
  }
}

/** How far an open request got, from its receipts, as its timed-out sender is told. */
function whereItIs(record: RequestRecord | null | undefined, status: RequestStatus | null | undefined): string {
  const to = `'${status?.to_agent ?? 'the addressee'}'`;
  if (!record || !status) {
    return `${to} has not picked it up yet`;
  }
  const ago = (ms: string) => `${Math.max(0, Math.round((Date.now() - Number(ms)) / 1000))} s ago`;
  if (status.state === 'delivered') {
    const seen = record.seen_at ? `read it ${ago(record.seen_at)}` : 'has it';
    return `${to} ${seen} (handed out ${status.delivery_count} time(s)) and has not answered yet`;
  }
  return record.pushed_at
    ? `the session of ${to} was notified ${ago(record.pushed_at)} and has not read it yet`
    : `${to} has not picked it up yet (no session of theirs with push on was told)`;
}

/** What a sender's wait returns for a closed request (answered or not), or null while it is open. */
function closedResult(record: RequestRecord): Answered | Unanswered | null {
  const response = responseView(record);
  return response ? { status: 'answered', request_id: record.request_id, ...response } : unanswered(record);
}

/** What a sender's wait returns for a request closed without an answer, or null while it is open. */
function unanswered(record: RequestRecord): Unanswered | null {
  const status = statusView(record);
  const request_id = record.request_id;
  switch (status.state) {
    case 'undeliverable':
      return {
        status: 'undeliverable',
        request_id,
        delivery_count: status.delivery_count,
        undeliverable_at: status.undeliverable_at,
        message: `'${record.to_agent}' was handed it ${status.delivery_count} times and never answered: ask another agent, or send it again later`,
      };
    case 'cancelled':
      return {
        status: 'cancelled',
        request_id,
        cancelled_at: status.cancelled_at,
        message: 'you cancelled this request',
      };
    case 'expired':
      return {
        status: 'expired',
        request_id,
        expires_at: status.expires_at,
        message: `it expired unanswered (C3PO_REQUEST_TTL_S): send it again if you still need it`,
      };
    default:
      return null;
  }
}
