import { firstLine, tool, UNTRUSTED_REQUESTS } from '../common/peer-text.js';
import { Untold } from './push.store.js';

/** A `notifications/claude/channel` payload: Claude sees `<channel source="…" key="value">content</channel>`. */
export interface ChannelEvent {
  content: string;
  /** Keys match `^[A-Za-z_][A-Za-z0-9_]*$` (Claude Code drops others); lists are comma-separated. */
  meta: Record<string, string>;
}

const PREVIEW_CHARS = 160;

/** The notice telling a session what it has not been told yet, or null when there is nothing. */
export function pushNotice({ queued, requests, answers }: Untold): ChannelEvent | null {
  if (requests.length === 0 && answers.length === 0) {
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
  lines.push(UNTRUSTED_REQUESTS);
  const kinds = [requests.length > 0 && 'request', answers.length > 0 && 'answer'].filter(Boolean);
  return {
    content: lines.join('\n'),
    meta: {
      kind: kinds.join(','),
      from: unique([...requests.map((r) => r.from), ...answers.map((a) => a.responder)]),
      request_id: [...requests, ...answers].map((item) => item.requestId).join(','),
      ...(requests.length > 0 && { conversation_id: unique(requests.map((r) => r.conversationId)) }),
    },
  };
}

function unique(values: string[]): string {
  return [...new Set(values)].join(',');
}
