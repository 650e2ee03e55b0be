import { firstLine, tool, UNTRUSTED_MESSAGES, UNTRUSTED_REQUESTS } from '../common/peer-text.js';
import { Untold } from './push.store.js';

/** A `notifications/claude/channel` payload: Claude sees `<channel source="…" key="value">content</channel>`. */
export interface ChannelEvent {
  content: string;
  /** Keys match `^[A-Za-z_][A-Za-z0-9_]*$` (Claude Code drops others); lists are comma-separated. */
  meta: Record<string, string>;
}

const PREVIEW_CHARS = 160;

/** The notice telling a session what it has not been told yet, or null when there is nothing. */
export function pushNotice({ queued, requests, answers, messages }: Untold): ChannelEvent | null {
  if (requests.length === 0 && answers.length === 0 && messages.length === 0) {
    return null;
  }
  const lines: string[] = [];
  if (requests.length === 1) {
    const [r] = requests;
    lines.push(`C3PO: ${r.from} asks you (request ${r.requestId}): "${firstLine(r.message, PREVIEW_CHARS)}"`);
  } else if (requests.length > 1) {
    lines.push(`C3PO: ${requests.length} new requests for you:`);
    requests.forEach((r) => lines.push(`- ${r.from} (${r.requestId}): "${firstLine(r.message, PREVIEW_CHARS)}"`));
  }
  if (requests.length > 0) {
    if (queued > requests.length) {
      lines.push(`${queued} requests wait for you in all.`);
    }
    lines.push(
      `Answer each with ${tool('respond_to_request')} (${tool('get_pending_requests')} gives them whole; ` +
        'status "declined" with a reason if you should not help).',
    );
  }
  answers.forEach((a) =>
    lines.push(
      `C3PO: ${a.responder} answered your request ${a.requestId} (${a.responseStatus}): ` +
        `"${firstLine(a.response, PREVIEW_CHARS)}" — ${tool('wait_for_response')} with this request_id returns it whole.`,
    ),
  );
  messages.forEach((m) =>
    lines.push(
      `C3PO: ${m.from} sent you a message that needs your ack (${m.type}, ${m.id}): ` +
        `"${firstLine(m.subject, PREVIEW_CHARS)}"`,
    ),
  );
  if (messages.length > 0) {
    const [it, its] = messages.length === 1 ? ['it', 'its id'] : ['them', 'each id'];
    lines.push(
      `Read ${it} with ${tool('check_messages')}, then call ${tool('ack_message')} with ${its} (and a comment).`,
    );
  }
  if (requests.length > 0 || answers.length > 0) {
    lines.push(UNTRUSTED_REQUESTS);
  }
  if (messages.length > 0) {
    lines.push(UNTRUSTED_MESSAGES);
  }
  const kinds = [requests.length > 0 && 'request', answers.length > 0 && 'answer', messages.length > 0 && 'message'];
  const requestIds = [...requests, ...answers].map((item) => item.requestId);
  return {
    content: lines.join('\n'),
    meta: {
      kind: kinds.filter(Boolean).join(','),
      from: unique([
        ...requests.map((r) => r.from),
        ...answers.map((a) => a.responder),
        ...messages.map((m) => m.from),
      ]),
      ...(requestIds.length > 0 && { request_id: requestIds.join(',') }),
      ...(requests.length > 0 && { conversation_id: unique(requests.map((r) => r.conversationId)) }),
      ...(messages.length > 0 && { message_id: messages.map((m) => m.id).join(',') }),
    },
  };
}

function unique(values: string[]): string {
  return [...new Set(values)].join(',');
}
