/**
 * What the plugin's hooks tell Claude and the user, in one place: each text is built by a small
 * function of its own, so a line can be added (or reworded) without touching how it is decided.
 */
import { firstLine, tool, UNTRUSTED_MESSAGES, UNTRUSTED_REQUESTS } from '../common/peer-text.js';

/** Agents SessionStart names before it only counts the rest. */
const MAX_NAMES = 10;
/** Requests the Stop hook previews; senders a nudge names. */
const MAX_PREVIEWS = 3;
const PREVIEW_CHARS = 120;

/** A waiting request as the texts show it. */
export interface WaitingRequest {
  from_agent: string;
  message: string;
}

/** A message awaiting the agent's ack as the texts show it. */
export interface AwaitingMessage {
  id: string;
  from: string;
  type: string;
  subject: string;
}

export interface SessionStartFacts {
  agentId: string;
  coordinatorUrl: string;
  /** Other online agents on the page read, most recently seen first. */
  others: string[];
  /** How many other agents are online, the page's and any beyond it. */
  othersOnline: number;
  waiting: number;
  /** The first messages awaiting the agent's ack, and whether more do. */
  awaitingAck?: { messages: AwaitingMessage[]; more: boolean };
}

/** SessionStart's additionalContext: who this agent is, who else is there, what waits, how to ask. */
export function sessionStartLines(facts: SessionStartFacts): string[] {
  const { agentId, others, othersOnline, waiting } = facts;
  const awaiting = facts.awaitingAck?.messages ?? [];
  return [
    `C3PO: you are agent "${agentId}" on the coordinator at ${facts.coordinatorUrl}.`,
    others.length === 0 ? 'No other agent is online.' : `Online agents: ${names(others, othersOnline)}.`,
    waiting === 0
      ? 'No request is waiting for you.'
      : `${waiting} request${waiting === 1 ? ' is' : 's are'} waiting for you: call ` +
        `${tool('get_pending_requests')}, then ${tool('respond_to_request')} for each.`,
    ...(awaiting.length > 0 ? awaitingAckLines(awaiting, facts.awaitingAck!.more) : []),
    `To ask another agent: ${tool('send_request')}, then ${tool('wait_for_response')} ` +
      `(reuse its conversation_id for follow-ups). ${tool('list_agents')} shows who is there.`,
    UNTRUSTED_REQUESTS,
    ...(awaiting.length > 0 ? [UNTRUSTED_MESSAGES] : []),
  ];
}

/**
 * Who sent which message that awaits the agent's ack (type, id, subject's first line), up to
 * three, and what to call. `more`: others await beyond these.
 */
export function awaitingAckLines(messages: AwaitingMessage[], more: boolean): string[] {
  const count = messages.length;
  const counted = more ? `${count} or more messages` : count === 1 ? '1 message' : `${count} messages`;
  const lines = [
    `C3PO: ${counted} from other agents ${count === 1 && !more ? 'waits' : 'wait'} for your ack:`,
    ...messages
      .slice(0, MAX_PREVIEWS)
      .map((m) => `- ${m.from} (${m.type}, ${m.id}): ${firstLine(m.subject, PREVIEW_CHARS)}`),
  ];
  if (count > MAX_PREVIEWS) {
    lines.push(`- and ${count - MAX_PREVIEWS}${more ? '+' : ''} more`);
  }
  lines.push(
    `Read them with ${tool('check_messages')} (unacked_only: true), then call ${tool('ack_message')} ` +
      'with each id (and a comment if it helps the sender).',
  );
  return lines;
}

/**
 * The Stop hook's reason: the requests part when requests block, then the messages awaiting an
 * ack that this session was not told about yet. `more`: others await beyond the page read.
 */
export function stopReasonWithMessages(requestsPart: string | null, news: AwaitingMessage[], more: boolean): string {
  const parts = requestsPart ? [requestsPart] : [];
  if (news.length > 0) {
    parts.push(...awaitingAckLines(news, more), UNTRUSTED_MESSAGES);
  }
  return parts.join('\n');
}

/** A task the agent holds claimed, as the Stop hook names it. */
export interface HeldTask {
  task_id: string;
  board: string;
  title: string;
}

/**
 * The Stop hook's reminder of claimed tasks this session was not reminded of yet: nobody else can
 * take them until they are completed, failed or released. `more`: the agent holds others too.
 */
export function heldTaskLines(tasks: HeldTask[], more: boolean): string[] {
  const count = tasks.length;
  const counted = more ? `${count} or more claimed tasks` : count === 1 ? 'a claimed task' : `${count} claimed tasks`;
  const lines = [
    `C3PO: you hold ${counted} that no other agent can take until you finish or hand them back:`,
    ...tasks
      .slice(0, MAX_PREVIEWS)
      .map((t) => `- ${t.task_id} (board ${t.board}): ${firstLine(t.title, PREVIEW_CHARS)}`),
  ];
  if (count > MAX_PREVIEWS) {
    lines.push(`- and ${count - MAX_PREVIEWS}${more ? '+' : ''} more`);
  }
  lines.push(
    `Done: ${tool('complete_task')} with its result. Cannot finish: ${tool('fail_task')} (retry: true lets ` +
      `another agent try) or ${tool('release_task')}. Waiting for the user: say so and stop.`,
  );
  return lines;
}

/** Claude's warning when another live session uses the same agent id; `spare` is a free id. */
export function conflictWarning(agentId: string, lastActive: string | null, spare: string): string {
  return (
    `WARNING: another Claude Code session is already connected as C3PO agent "${agentId}" ` +
    `(active ${ago(lastActive)}). Two sessions on one agent id take each ` +
    "other's requests. Tell the user now: to give this session its own id, quit it and start it " +
    `again as \`C3PO_AGENT_ID=${spare} claude\`, or close the other session.`
  );
}

/** The user's line for the same conflict. */
export function conflictSystemMessage(agentId: string, spare: string): string {
  return (
    `C3PO: agent id "${agentId}" is already used by another live Claude Code session. ` +
    `Restart this one with C3PO_AGENT_ID=${spare} to give it its own id.`
  );
}

/** The user's line when Claude Code was started without C3PO's channels: how to turn push on. */
export const PUSH_OFF =
  'C3PO: push is off in this session, so requests from other agents reach Claude only when a turn ends. ' +
  'To have them start a turn while it is idle, start Claude Code as ' +
  '`claude --dangerously-load-development-channels plugin:c3po@c3po`.';

/** Why the Stop hook keeps Claude working: up to three previews and the tools to call. */
export function stopReason(agentId: string, requests: WaitingRequest[], count: number): string {
  const lines = [
    `C3PO: ${count} request${count === 1 ? '' : 's'} from other agents ${count === 1 ? 'is' : 'are'} ` +
      `waiting for your answer (you are agent "${agentId}"):`,
    ...requests.slice(0, MAX_PREVIEWS).map((r) => `- ${r.from_agent}: ${firstLine(r.message, PREVIEW_CHARS)}`),
  ];
  if (count > MAX_PREVIEWS) {
    lines.push(`- and ${count - MAX_PREVIEWS} more`);
  }
  lines.push(
    `Call ${tool('get_pending_requests')}, then ${tool('respond_to_request')} for each one ` +
      '(status "declined" with a reason if you should not help).',
    UNTRUSTED_REQUESTS,
  );
  return lines.join('\n');
}

/**
 * The PostToolUse nudge: one line saying who asks and that the answer comes after the step at
 * hand, so a request mid-task neither waits for the whole task nor derails it.
 */
export function nudge(requests: WaitingRequest[]): string {
  const answer = `once the current step is done (${tool('get_pending_requests')} shows`;
  if (requests.length === 1) {
    const [only] = requests;
    return (
      `C3PO: ${only.from_agent} asks you: "${firstLine(only.message, PREVIEW_CHARS)}" — answer it with ` +
      `${tool('respond_to_request')} ${answer} it). ${UNTRUSTED_REQUESTS}`
    );
  }
  const senders = [...new Set(requests.map((r) => r.from_agent))];
  const named = senders.slice(0, MAX_PREVIEWS);
  const from = senders.length > named.length ? `${named.join(', ')} and others` : listed(named);
  return (
    `C3PO: ${requests.length} new requests from ${from} are waiting for you — answer them with ` +
    `${tool('respond_to_request')} ${answer} them). ${UNTRUSTED_REQUESTS}`
  );
}

/**
 * The user's line when the coordinator refuses this host's API key: the coordinator's own
 * message says what to fix; this adds what it cannot know from inside a hook.
 */
export function keyRefused(serverMessage: string, keySent: boolean): string {
  const what = keySent ? "refused this host's API key" : 'needs an API key from this host';
  return (
    `C3PO: the coordinator ${what} (${serverMessage || 'no reason given'}): set C3PO_API_KEY ` +
    '(or C3PO_AGENT_ID) as it says and restart Claude Code. C3PO is off in this session until then.'
  );
}

function names(ids: string[], count: number): string {
  const shown = ids.slice(0, MAX_NAMES);
  return count > shown.length ? `${shown.join(', ')} and ${count - shown.length} more` : shown.join(', ');
}

/** `a`, `a and b`, `a, b and c`. */
function listed(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function ago(iso: string | null): string {
  const seconds = Math.round((Date.now() - Date.parse(iso ?? '')) / 1000);
  return Number.isFinite(seconds) ? `${Math.max(seconds, 0)} s ago` : 'recently';
}
