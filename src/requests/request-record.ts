import { isoFromMs } from '../common/timestamps.js';

export type RequestState = 'queued' | 'delivered' | 'answered';
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
  delivered_at?: string;
  answered_at?: string;
  response?: string;
  response_status?: ResponseStatus;
}

export interface RequestView {
  request_id: string;
  conversation_id: string;
  from_agent: string;
  to_agent: string;
  message: string;
  context: string | null;
  state: RequestState;
  created_at: string;
  delivered_at?: string;
  answered_at?: string;
}

export interface ResponseView {
  from_agent: string;
  response: string;
  response_status: ResponseStatus;
  answered_at: string;
}

export function requestView(record: RequestRecord): RequestView {
  return {
    request_id: record.request_id,
    conversation_id: record.conversation_id,
    from_agent: record.from_agent,
    to_agent: record.to_agent,
    message: record.message,
    context: record.context === '' ? null : record.context,
    state: record.state,
    created_at: isoFromMs(record.created_at)!,
    ...(record.delivered_at && { delivered_at: isoFromMs(record.delivered_at)! }),
    ...(record.answered_at && { answered_at: isoFromMs(record.answered_at)! }),
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
