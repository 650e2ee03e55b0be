import { isoFromMs } from '../common/timestamps.js';

export type RequestState = 'queued' | 'delivered' | 'answered' | 'undeliverable' | 'cancelled' | 'expired';
export type ResponseStatus = 'success' | 'error' | 'declined';

/** A request hash as stored: strings only, times in epoch ms. */
export interface RequestRecord {
  request_id: string;
  conversation_id: string;
  from_agent: string;
  to_agent: string;
  message: string;
  context: string;
  state: RequestState;
  created_at: string;
  expires_at: string;
  delivery_count: string;
  delivered_at?: string;
  /** Receipts: first pushed into a session of the addressee (and which), first handed to it. */
  pushed_at?: string;
  pushed_to?: string;
  seen_at?: string;
  lease_until?: string;
  answered_at?: string;
  cancelled_at?: string;
  undeliverable_at?: string;
  response?: string;
  response_status?: ResponseStatus;
}

/** A page entry: the record with message and context cut to a preview, and their full sizes. */
export type RequestPreview = RequestRecord & { message_bytes: string; context_bytes: string };

/** Where a request stands, as its sender and addressee may see it. */
export interface RequestStatus {
  request_id: string;
  conversation_id: string;
  from_agent: string;
  to_agent: string;
  state: RequestState;
  delivery_count: number;
  created_at: string;
  expires_at: string;
  /** When a push first told a Claude Code session of the addressee, and which push session. */
  pushed_at?: string;
  pushed_to?: string;
  /** When a tool call first returned it to the addressee. */
  seen_at?: string;
  delivered_at?: string;
  lease_expires_at?: string;
  answered_at?: string;
  cancelled_at?: string;
  undeliverable_at?: string;
}

export interface RequestView extends RequestStatus {
  message: string;
  context: string | null;
}

/** A page entry; `truncated` when message or context is cut (get_request has it whole). */
export interface PendingView extends RequestView {
  message_bytes: number;
  context_bytes: number;
  truncated?: true;
}

export interface ResponseView {
  from_agent: string;
  response: string;
  response_status: ResponseStatus;
  answered_at: string;
}

/** The stored state, or `expired` for an open request past its time (Redis keeps it a while longer). */
export function stateOf(record: RequestRecord, nowMs = Date.now()): RequestState {
  const open = record.state === 'queued' || record.state === 'delivered';
  return open && Number(record.expires_at) <= nowMs ? 'expired' : record.state;
}

export function statusView(record: RequestRecord): RequestStatus {
  const state = stateOf(record);
  return {
    request_id: record.request_id,
    conversation_id: record.conversation_id,
    from_agent: record.from_agent,
    to_agent: record.to_agent,
    state,
    delivery_count: Number(record.delivery_count ?? 0),
    created_at: isoFromMs(record.created_at)!,
    expires_at: isoFromMs(record.expires_at)!,
    ...(record.pushed_at && { pushed_at: isoFromMs(record.pushed_at)!, pushed_to: record.pushed_to }),
    ...(record.seen_at && { seen_at: isoFromMs(record.seen_at)! }),
    ...(record.delivered_at && { delivered_at: isoFromMs(record.delivered_at)! }),
    ...(state === 'delivered' && record.lease_until && { lease_expires_at: isoFromMs(record.lease_until)! }),
    ...(record.answered_at && { answered_at: isoFromMs(record.answered_at)! }),
    ...(record.cancelled_at && { cancelled_at: isoFromMs(record.cancelled_at)! }),
    ...(record.undeliverable_at && { undeliverable_at: isoFromMs(record.undeliverable_at)! }),
  };
}

export function requestView(record: RequestRecord): RequestView {
  return { ...statusView(record), message: record.message, context: record.context === '' ? null : record.context };
}

export function pendingView(record: RequestPreview): PendingView {
  const messageBytes = Number(record.message_bytes);
  const contextBytes = Number(record.context_bytes);
  const cut =
    Buffer.byteLength(record.message) < messageBytes || Buffer.byteLength(record.context ?? '') < contextBytes;
  return {
    ...requestView(record),
    message_bytes: messageBytes,
    context_bytes: contextBytes,
    ...(cut && { truncated: true as const }),
  };
}

export function responseView(record: RequestRecord): ResponseView | null {
  if (record.state !== 'answered') {
    return null;
  }
  return {
    from_agent: record.to_agent,
    response: record.response ?? '',
    response_status: record.response_status ?? 'success',
    answered_at: isoFromMs(record.answered_at)!,
  };
}
