import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { fromFlat } from '../redis/from-flat.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';
import { MessageRecord } from './message-record.js';

/** Mailbox entries one check_messages call looks at, at most: its cost stays flat however full the mailbox. */
const MAILBOX_SCAN = 1000;
/** Timeline entries one get_timeline call looks at, at most. */
const TIMELINE_SCAN = 500;
/** Ackers a timeline entry names, the first to ack first. */
const ACKERS_SHOWN = 10;
/** Bytes of an ack comment kept on the acked message (the ACK message carries it whole). */
const COMMENT_KEEP_BYTES = 500;

export type Addressing = { mode: 'to'; to: string } | { mode: 'all' } | { mode: 'topic'; topic: string };

export interface NewMessage {
  from: string;
  addressing: Addressing;
  type: string;
  subject: string;
  body: string;
  priority: number;
  ttlS: number;
  correlationId: string;
  ackRequired: boolean;
  /** Whose send bucket pays: the sender's API key when it has one, else the sender. */
  payer: string;
}

export type PublishOutcome =
  | { ok: true; id: string; createdAt: number; expiresAt: number; delivered: number; skipped: number; expired: number }
  | { ok: false; code: ScriptCode; measure?: number };

export interface MailboxFilter {
  from?: string;
  type?: string;
  topic?: string;
  sinceMs?: number;
  unackedOnly?: boolean;
}

export interface MailboxPage {
  messages: { record: MessageRecord; shown: boolean }[];
  remaining: number;
  expired: number;
  nextCursor: string | null;
}

export type AckOutcome =
  | { ok: true; duplicate: boolean; ackedAt: number; acks: number; ackMessageId: string | null }
  | { ok: false; code: ScriptCode };

export interface TimelineEntry {
  record: MessageRecord;
  bodyBytes: number;
  /** The caller's own message: how many got it, and the first ackers. */
  own?: { deliveredTo: number; acks: number; ackers: { agentId: string; ackedAt: number; comment: string }[] };
  /** A message the caller had to ack: when it did. */
  ackedAt?: number;
}

export interface Subscriptions {
  code: ScriptCode;
  topics: string[];
}

/** All Redis I/O for messages and topics; each change is one script of the catalog. */
@Injectable()
export class MessagesStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  async publish(message: NewMessage): Promise<PublishOutcome> {
    const k = this.keys;
    const { addressing } = message;
    const reply = await this.scripts.run(
      Scripts.publishMessage,
      {
        sequence: k.messageSequence,
        timeline: k.timeline,
        agentIndex: k.agentIndex,
        sendBucket: k.sendBucket(message.payer),
        target: k.agent(addressing.mode === 'to' ? addressing.to : ''),
        subscribers: k.topicSubscribers(addressing.mode === 'topic' ? addressing.topic : ''),
      },
      {
        from: message.from,
        mode: addressing.mode,
        to: addressing.mode === 'to' ? addressing.to : addressing.mode === 'topic' ? addressing.topic : '*',
        type: message.type,
        subject: message.subject,
        body: message.body,
        priority: message.priority,
        ttlS: message.ttlS,
        correlationId: message.correlationId,
        ackRequired: message.ackRequired ? '1' : '0',
        messagePrefix: k.messagePrefix,
        mailboxPrefix: k.mailboxPrefix,
        mailboxExpiryPrefix: k.mailboxExpiryPrefix,
        agentPrefix: k.agent(''),
        subscriptionsPrefix: k.subscriptionsPrefix,
        recordTtlS: this.config.C3PO_REQUEST_TTL_S,
        mailboxMax: this.config.C3PO_MAILBOX_MAX_MESSAGES,
        timelineMax: this.config.C3PO_TIMELINE_MAX_MESSAGES,
        sendsPerMinute: this.config.C3PO_SENDS_PER_MINUTE,
        channel: k.events,
      },
    );
    if (typeof reply === 'number') {
      return { ok: false, code: reply };
    }
    if (reply[0] !== ScriptCode.Ok) {
      return { ok: false, code: reply[0], measure: Number(reply[1]) };
    }
    const [, id, createdAt, expiresAt, delivered, skipped, expired] = reply;
    return { ok: true, id, createdAt, expiresAt, delivered, skipped, expired };
  }

  /** A page of the agent's mailbox; unless `peek`, what it returns is delivered (see checkMessages-2.lua). */
  async mailbox(
    agentId: string,
    page: { filter: MailboxFilter; limit: number; cursor?: string; peek: boolean },
  ): Promise<MailboxPage> {
    const k = this.keys;
    const { filter } = page;
    const [entries, remaining, expired, nextCursor] = await this.scripts.run(
      Scripts.checkMessages,
      { mailbox: k.mailbox(agentId), mailboxExpiry: k.mailboxExpiry(agentId) },
      {
        messagePrefix: k.messagePrefix,
        agentId,
        cursor: page.cursor ?? '',
        limit: page.limit,
        scanMax: MAILBOX_SCAN,
        from: filter.from ?? '',
        type: filter.type ?? '',
        topic: filter.topic ?? '',
        sinceMs: filter.sinceMs ?? 0,
        unackedOnly: filter.unackedOnly ? '1' : '0',
        peek: page.peek ? '1' : '0',
        pageBytes: this.config.C3PO_PAGE_MAX_BYTES,
      },
    );
    return {
      messages: entries.map(([flat, shown]) => ({ record: fromFlat<MessageRecord>(flat), shown: shown === '1' })),
      remaining,
      expired,
      nextCursor: nextCursor || null,
    };
  }

  async ack(messageId: string, acker: string, comment: string): Promise<AckOutcome> {
    const k = this.keys;
    const reply = await this.scripts.run(
      Scripts.ackMessage,
      {
        message: k.message(messageId),
        recipients: k.messageRecipients(messageId),
        acks: k.messageAcks(messageId),
        ackComments: k.messageAckComments(messageId),
        mailbox: k.mailbox(acker),
        mailboxExpiry: k.mailboxExpiry(acker),
        sequence: k.messageSequence,
      },
      {
        messageId,
        acker,
        comment,
        messagePrefix: k.messagePrefix,
        mailboxPrefix: k.mailboxPrefix,
        mailboxExpiryPrefix: k.mailboxExpiryPrefix,
        mailboxMax: this.config.C3PO_MAILBOX_MAX_MESSAGES,
        ackTtlS: this.config.C3PO_MESSAGE_TTL_S,
        channel: k.events,
        commentKeepBytes: COMMENT_KEEP_BYTES,
      },
    );
    if (typeof reply === 'number') {
      return { ok: false, code: reply };
    }
    const [code, ackedAt, acks, ackMessageId] = reply;
    return {
      ok: true,
      duplicate: code === ScriptCode.Duplicate,
      ackedAt: Number(ackedAt),
      acks,
      ackMessageId: ackMessageId || null,
    };
  }

  async subscribe(agentId: string, topic: string): Promise<Subscriptions> {
    const k = this.keys;
    const [code, topics] = await this.scripts.run(
      Scripts.subscribeTopic,
      { subscribers: k.topicSubscribers(topic), subscriptions: k.subscriptions(agentId) },
      {
        agentId,
        topic,
        maxTopics: this.config.C3PO_MAX_TOPICS_PER_AGENT,
        ttlS: this.config.C3PO_REQUEST_TTL_S,
        topicPrefix: k.topicPrefix,
      },
    );
    return { code, topics: topics.sort() };
  }

  async unsubscribe(agentId: string, topic: string): Promise<{ was: boolean; topics: string[] }> {
    const k = this.keys;
    const [was, topics] = await this.scripts.run(
      Scripts.unsubscribeTopic,
      { subscribers: k.topicSubscribers(topic), subscriptions: k.subscriptions(agentId) },
      { agentId, topic },
    );
    return { was: was === 1, topics: topics.sort() };
  }

  async timeline(
    agentId: string,
    page: { type?: string; from?: string; sinceMs?: number; limit: number; cursor?: string; previewBytes: number },
  ): Promise<{ entries: TimelineEntry[]; nextCursor: string | null }> {
    const [entries, nextCursor] = await this.scripts.run(
      Scripts.timelinePage,
      { timeline: this.keys.timeline },
      {
        messagePrefix: this.keys.messagePrefix,
        agentId,
        cursor: page.cursor ?? '',
        limit: page.limit,
        scanMax: TIMELINE_SCAN,
        type: page.type ?? '',
        from: page.from ?? '',
        sinceMs: page.sinceMs ?? 0,
        previewBytes: page.previewBytes,
        mostAckers: ACKERS_SHOWN,
        pageBytes: this.config.C3PO_PAGE_MAX_BYTES,
      },
    );
    return {
      entries: entries.map(([flat, bodyBytes, deliveredTo, acks, ackers, ackedAt]) => ({
        record: fromFlat<MessageRecord>(flat),
        bodyBytes,
        ...(deliveredTo !== '' && {
          own: {
            deliveredTo: Number(deliveredTo),
            acks: Number(acks),
            ackers: ackers.map(([ackerId, at, comment]) => ({ agentId: ackerId, ackedAt: Number(at), comment })),
          },
        }),
        ...(ackedAt !== '' && { ackedAt: Number(ackedAt) }),
      })),
      nextCursor: nextCursor || null,
    };
  }
}
