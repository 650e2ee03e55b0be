import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  Injectable,
  NotFoundException,
} from '@nestjs/common';
import { parseAgentId } from '../agents/agent-id.js';
import { AgentsService } from '../agents/agents.service.js';
import { AuditService } from '../audit/audit.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { grouped } from '../common/grouped.js';
import { checkMessageBytes } from '../common/message-bytes.js';
import { isoFromMs } from '../common/timestamps.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { AppConfig } from '../config/app-config.js';
import { annotateCall } from '../logging/call-context.js';
import { Metrics } from '../metrics/metrics.js';
import { describeCode, ScriptCode } from '../redis/script-code.js';
import {
  ACK_TYPE,
  CORRELATION_ID_MAX_CHARS,
  CURSOR_PATTERN,
  MESSAGE_ID_PATTERN,
  MESSAGE_TTL_MAX_S,
  MessageView,
  messageView,
  SUBJECT_MAX_CHARS,
  TOPIC_PATTERN,
  TYPE_PATTERN,
} from './message-record.js';
import { Addressing, MessagesStore } from './messages.store.js';

export interface PublishInput {
  to?: string;
  topic?: string;
  type: string;
  subject: string;
  body: string;
  priority?: number;
  ttl_s?: number;
  correlation_id?: string;
  ack_required?: boolean;
}

export interface PublishResult {
  id: string;
  delivered_to: number;
  /** Recipients whose mailbox was full (C3PO_MAILBOX_MAX_MESSAGES): a message to many skips them. */
  skipped_full: number;
  created_at: string;
  expires_at: string;
}

export interface CheckInput {
  from?: string;
  type?: string;
  topic?: string;
  since?: string;
  unacked_only?: boolean;
  limit?: number;
  cursor?: string;
}

export interface CheckResult {
  messages: MessageView[];
  /** Messages left in the mailbox after this call: the ones awaiting an ack, and any not reached. */
  remaining: number;
  /** Expired messages this call found in the mailbox and dropped. */
  expired_dropped: number;
  next_cursor: string | null;
}

export interface AckResult {
  id: string;
  acked_at: string;
  /** Acks the message has, this one included. */
  acks: number;
  /** false when the sender's mailbox was full: the ack is recorded, but no ACK message reached it. */
  sender_notified?: boolean;
  duplicate?: true;
}

export interface TimelineInput {
  since?: string;
  type?: string;
  from?: string;
  limit?: number;
  cursor?: string;
}

export type TimelineView = MessageView & {
  body_bytes: number;
  truncated?: true;
  delivered_to?: number;
  acks?: number;
  acked_by?: { agent_id: string; acked_at: string; comment: string | null }[];
};

export interface SubscriptionResult {
  topic: string;
  subscribed: boolean;
  /** Whether this call changed anything. */
  changed: boolean;
  /** Every topic the caller is subscribed to now. */
  topics: string[];
}

const DEFAULT_PRIORITY = 5;
const DEFAULT_PAGE = 20;

/**
 * Typed messages between agents: to one agent, to all, or to a topic's subscribers. A message is
 * stored once and put into each recipient's mailbox when it is published; check_messages
 * delivers it (once, or until acked when it needs an ack); acks reach its sender as ACK
 * messages; the timeline keeps what each agent may see of the traffic.
 */
@Injectable()
export class MessagesService {
  constructor(
    private readonly store: MessagesStore,
    private readonly agents: AgentsService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly audit: AuditService,
  ) {}

  async publish(from: string, input: PublishInput, key?: KeyHolder): Promise<PublishResult> {
    const addressing = this.addressing(from, input);
    const type = input.type;
    if (!TYPE_PATTERN.test(type)) {
      throw new BadRequestException(
        'type must be a word of letters, digits, "_", "." or "-" (at most 64), e.g. READY_FOR_REVIEW or GENERAL',
      );
    }
    // Any spelling: an "ack" from a peer must not pass for the coordinator's own.
    if (type.toUpperCase() === ACK_TYPE) {
      throw new BadRequestException('type ACK is what ack_message sends: acknowledge a message with ack_message');
    }
    if (input.subject.trim() === '') {
      throw new BadRequestException('subject is empty: say in a line what the message is about');
    }
    const subjectChars = [...input.subject].length;
    if (subjectChars > SUBJECT_MAX_CHARS) {
      throw new BadRequestException(
        `subject is ${subjectChars} characters, over ${SUBJECT_MAX_CHARS}: put the rest in body`,
      );
    }
    const correlation = input.correlation_id;
    if (correlation !== undefined && (correlation === '' || correlation.length > CORRELATION_ID_MAX_CHARS)) {
      throw new BadRequestException(`correlation_id must be 1-${CORRELATION_ID_MAX_CHARS} characters`);
    }
    this.checkSize('body', input.body);
    const ttlS = this.whole('ttl_s', input.ttl_s, 1, MESSAGE_TTL_MAX_S) ?? this.config.C3PO_MESSAGE_TTL_S;
    const priority = this.whole('priority', input.priority, 1, 10) ?? DEFAULT_PRIORITY;
    const outcome = await this.store.publish({
      from,
      addressing,
      type,
      subject: input.subject,
      body: input.body,
      priority,
      ttlS,
      correlationId: input.correlation_id ?? '',
      ackRequired: input.ack_required ?? false,
      // "key:" cannot start an agent id, so a key's bucket never meets an agent's.
      payer: key ? `key:${key.id}` : from,
    });
    const target =
      addressing.mode === 'to' ? addressing.to : addressing.mode === 'topic' ? `#${addressing.topic}` : '*';
    if (!outcome.ok) {
      const limit =
        outcome.code === ScriptCode.SendRateExceeded
          ? 'send rate'
          : outcome.code === ScriptCode.MailboxFull
            ? 'mailbox full'
            : undefined;
      this.audit.record(
        limit
          ? { action: 'refused.limit', outcome: limit, detail: `publish to ${target}` }
          : { action: 'publish', outcome: describeCode(outcome.code), detail: `to ${target}` },
      );
      throw await this.publishRefusal(outcome.code, from, target, outcome.measure, key);
    }
    this.audit.record({ action: 'publish', outcome: 'ok', detail: `${outcome.id} to ${target}` });
    annotateCall({ message_id: outcome.id });
    this.metrics.messagesPublished.inc({
      addressed: addressing.mode === 'to' ? 'direct' : addressing.mode === 'all' ? 'broadcast' : 'topic',
    });
    this.metrics.messagesDelivered.inc(outcome.delivered);
    this.metrics.messagesSkippedFull.inc(outcome.skipped);
    this.metrics.messagesExpired.inc(outcome.expired);
    return {
      id: outcome.id,
      delivered_to: outcome.delivered,
      skipped_full: outcome.skipped,
      created_at: isoFromMs(outcome.createdAt)!,
      expires_at: isoFromMs(outcome.expiresAt)!,
    };
  }

  async subscribe(agentId: string, topic: string): Promise<SubscriptionResult> {
    this.checkTopic(topic);
    const { code, topics } = await this.store.subscribe(agentId, topic);
    if (code === ScriptCode.TooManyTopics) {
      this.audit.record({ action: 'refused.limit', outcome: 'topic cap', detail: `topic=${topic}` });
      throw new TooManyRequestsException(
        `'${agentId}' is already subscribed to ${grouped(topics.length)} topics (C3PO_MAX_TOPICS_PER_AGENT): ` +
          'unsubscribe from one first',
      );
    }
    return { topic, subscribed: true, changed: code === ScriptCode.Ok, topics };
  }

  async unsubscribe(agentId: string, topic: string): Promise<SubscriptionResult> {
    this.checkTopic(topic);
    const { was, topics } = await this.store.unsubscribe(agentId, topic);
    return { topic, subscribed: false, changed: was, topics };
  }

  /** A page of the caller's mailbox; what it returns is delivered (see MessagesStore.mailbox). */
  async check(agentId: string, input: CheckInput): Promise<CheckResult> {
    if (input.topic !== undefined) {
      this.checkTopic(input.topic);
    }
    const page = await this.store.mailbox(agentId, {
      filter: {
        from: input.from,
        type: input.type,
        topic: input.topic,
        sinceMs: this.sinceMs(input.since),
        unackedOnly: input.unacked_only,
      },
      limit: this.whole('limit', input.limit, 1, 100) ?? DEFAULT_PAGE,
      cursor: this.cursor(input.cursor, 'check_messages'),
      peek: false,
    });
    this.metrics.messagesExpired.inc(page.expired);
    return {
      messages: page.messages.map(({ record, shown }) => ({ ...messageView(record), ...(shown && { shown }) })),
      remaining: page.remaining,
      expired_dropped: page.expired,
      next_cursor: page.nextCursor,
    };
  }

  /**
   * The first messages awaiting the agent's ack, only looked at (nothing delivered or marked
   * shown), for the hooks; `more` when others may follow.
   */
  async awaitingAck(agentId: string, limit: number): Promise<{ messages: MessageView[]; more: boolean }> {
    const page = await this.store.mailbox(agentId, { filter: { unackedOnly: true }, limit, peek: true });
    this.metrics.messagesExpired.inc(page.expired);
    return { messages: page.messages.map(({ record }) => messageView(record)), more: page.nextCursor !== null };
  }

  async ack(agentId: string, messageId: string, comment = ''): Promise<AckResult> {
    this.checkMessageId(messageId);
    this.checkSize('comment', comment);
    const outcome = await this.store.ack(messageId, agentId, comment);
    this.audit.record({
      action: 'ack',
      outcome: outcome.ok ? (outcome.duplicate ? 'duplicate' : 'ok') : describeCode(outcome.code),
      detail: messageId,
    });
    if (!outcome.ok) {
      throw this.ackRefusal(outcome.code, agentId, messageId);
    }
    annotateCall({ message_id: messageId });
    if (outcome.duplicate) {
      return { id: messageId, acked_at: isoFromMs(outcome.ackedAt)!, acks: outcome.acks, duplicate: true };
    }
    this.metrics.messagesAcked.inc();
    return {
      id: messageId,
      acked_at: isoFromMs(outcome.ackedAt)!,
      acks: outcome.acks,
      sender_notified: outcome.ackMessageId !== null,
    };
  }

  async timeline(
    agentId: string,
    input: TimelineInput,
  ): Promise<{ messages: TimelineView[]; next_cursor: string | null }> {
    const { entries, nextCursor } = await this.store.timeline(agentId, {
      type: input.type,
      from: input.from,
      sinceMs: this.sinceMs(input.since),
      limit: this.whole('limit', input.limit, 1, 100) ?? DEFAULT_PAGE,
      cursor: this.cursor(input.cursor, 'get_timeline'),
      previewBytes: this.config.C3PO_PREVIEW_BYTES,
    });
    return {
      messages: entries.map(({ record, bodyBytes, own, ackedAt }) => {
        const view: TimelineView = { ...messageView(record), body_bytes: bodyBytes };
        if (Buffer.byteLength(record.body) < bodyBytes) {
          view.truncated = true;
        }
        if (ackedAt !== undefined) {
          view.acked_at = isoFromMs(ackedAt);
        } else if (view.ack_required && !own) {
          view.acked_at = null;
        }
        if (own) {
          delete view.acked_at;
          view.delivered_to = own.deliveredTo;
          view.acks = own.acks;
          view.acked_by = own.ackers.map((a) => ({
            agent_id: a.agentId,
            acked_at: isoFromMs(a.ackedAt)!,
            comment: a.comment || null,
          }));
        }
        return view;
      }),
      next_cursor: nextCursor,
    };
  }

  /** Exactly one of `to` and `topic`; `to` an agent id other than the sender's, or `*`. */
  private addressing(from: string, input: PublishInput): Addressing {
    if ((input.to === undefined) === (input.topic === undefined)) {
      throw new BadRequestException(
        'give exactly one of to (an agent id, or "*" for every agent) and topic (for its subscribers)',
      );
    }
    if (input.topic !== undefined) {
      this.checkTopic(input.topic);
      return { mode: 'topic', topic: input.topic };
    }
    if (input.to === '*') {
      return { mode: 'all' };
    }
    const to = parseAgentId(input.to, 'to');
    if (to === from) {
      throw new BadRequestException(`you are '${from}': a message to yourself would only fill your own mailbox`);
    }
    return { mode: 'to', to };
  }

  private checkTopic(topic: string): void {
    if (!TOPIC_PATTERN.test(topic)) {
      throw new BadRequestException(
        `topic '${topic.slice(0, 80)}' is not a topic name: 1-64 lower-case letters, digits, ".", "_" or "-", ` +
          'starting with a letter or digit',
      );
    }
  }

  private checkMessageId(messageId: string): void {
    if (!MESSAGE_ID_PATTERN.test(messageId)) {
      throw new BadRequestException('id must be a message id (msg-<n>) returned by publish or check_messages');
    }
  }

  private sinceMs(since: string | undefined): number | undefined {
    if (since === undefined) {
      return undefined;
    }
    const ms = Date.parse(since);
    if (!/^\d{4}-\d\d-\d\dT/.test(since) || Number.isNaN(ms)) {
      throw new BadRequestException('since must be an ISO 8601 time, e.g. 2026-11-23T10:00:00Z');
    }
    return ms;
  }

  private cursor(cursor: string | undefined, tool: string): string | undefined {
    if (cursor !== undefined && !CURSOR_PATTERN.test(cursor)) {
      throw new BadRequestException(`cursor must be a next_cursor returned by ${tool}`);
    }
    return cursor;
  }

  /** A whole number in [min, max], or undefined when left out. */
  private whole(field: string, value: number | undefined, min: number, max: number): number | undefined {
    if (value !== undefined && (!Number.isInteger(value) || value < min || value > max)) {
      throw new BadRequestException(`${field} must be a whole number from ${min} to ${grouped(max)}`);
    }
    return value;
  }

  private checkSize(field: string, value: string): void {
    checkMessageBytes(field, value, this.config.C3PO_MAX_MESSAGE_BYTES, 'send a summary, or split it');
  }

  private async publishRefusal(
    code: ScriptCode,
    from: string,
    target: string,
    measure: number | undefined,
    key: KeyHolder | undefined,
  ): Promise<HttpException> {
    switch (code) {
      case ScriptCode.UnknownTarget:
        return new NotFoundException(await this.agents.notRegistered(target, 'message was not published'));
      case ScriptCode.SendRateExceeded: {
        const seconds = Math.max(1, Math.ceil(measure! / 1000));
        const who = key ? `the agents of API key '${key.name}'` : `'${from}'`;
        return new TooManyRequestsException(
          `${who} may send ${grouped(this.config.C3PO_SENDS_PER_MINUTE)} requests and messages a minute ` +
            `(C3PO_SENDS_PER_MINUTE): retry in ${seconds} s`,
          seconds,
        );
      }
      case ScriptCode.MailboxFull:
        return new TooManyRequestsException(
          `the mailbox of '${target}' is full (${grouped(measure!)} messages, C3PO_MAILBOX_MAX_MESSAGES): ` +
            'try later, or ask the user',
        );
      default:
        return new ConflictException(`publish: unexpected store answer ${code}`);
    }
  }

  private ackRefusal(code: ScriptCode, agentId: string, messageId: string): HttpException {
    const message = `message '${messageId}'`;
    switch (code) {
      case ScriptCode.NotFound:
        return new NotFoundException(`${message} not found (it may have expired)`);
      case ScriptCode.NotRecipient:
        return new ForbiddenException(
          `${message} was not delivered to you ('${agentId}'): only its recipients can ack it`,
        );
      case ScriptCode.AckOfAck:
        return new BadRequestException(`${message} is an ACK: acks need no ack`);
      default:
        return new ConflictException(`${message}: unexpected store answer ${code}`);
    }
  }
}
