import { isoFromMs } from '../common/timestamps.js';

/** Topic names (as board names): lower-case letters, digits, `.`, `_`, `-`, at most 64. */
export const TOPIC_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
/** Message types are free-form words (READY_FOR_REVIEW, GENERAL, …), at most 64 characters. */
export const TYPE_PATTERN = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
export const MESSAGE_ID_PATTERN = /^msg-\d{1,15}$/;
/** A page cursor of a mailbox or the timeline: a score the previous page ended at. */
export const CURSOR_PATTERN = /^\d{1,16}$/;
/** The type of the message an ack sends the acked message's sender; publish cannot use it. */
export const ACK_TYPE = 'ACK';
/** Longest subject and correlation id, in characters. */
export const SUBJECT_MAX_CHARS = 200;
export const CORRELATION_ID_MAX_CHARS = 200;
/** Longest ttl_s: a week. */
export const MESSAGE_TTL_MAX_S = 7 * 24 * 3600;

/** A message hash's shown fields as stored: strings only, times in epoch ms. */
export interface MessageRecord {
  id: string;
  from: string;
  /** The addressee, `*` for every agent, '' for a topic message. */
  to: string;
  /** The topic, '' for a message to an agent or to all. */
  topic: string;
  type: string;
  subject: string;
  body: string;
  priority: string;
  created_at: string;
  expires_at: string;
  correlation_id: string;
  ack_required: '0' | '1';
}

/** A message as check_messages and get_timeline show it. */
export interface MessageView {
  id: string;
  from: string;
  to?: string;
  topic?: string;
  type: string;
  subject: string;
  body: string;
  priority: number;
  created_at: string;
  expires_at: string;
  correlation_id: string | null;
  ack_required: boolean;
  /** For a message awaiting the caller's ack: null until it acks. */
  acked_at?: string | null;
  /** check_messages: an ack-awaiting message already returned by an earlier call. */
  shown?: true;
}

export function messageView(record: MessageRecord): MessageView {
  const ackRequired = record.ack_required === '1';
  return {
    id: record.id,
    from: record.from,
    ...(record.topic ? { topic: record.topic } : { to: record.to }),
    type: record.type,
    subject: record.subject,
    body: record.body,
    priority: Number(record.priority),
    created_at: isoFromMs(record.created_at)!,
    expires_at: isoFromMs(record.expires_at)!,
    correlation_id: record.correlation_id || null,
    ack_required: ackRequired,
    ...(ackRequired && { acked_at: null }),
  };
}
