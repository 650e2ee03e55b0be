import { Injectable } from '@nestjs/common';
import { AgentsService, AgentView } from '../agents/agents.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { AppConfig } from '../config/app-config.js';
import { MessagesService } from '../messages/messages.service.js';
import { TasksService } from '../tasks/tasks.service.js';
import { PresenceService } from '../presence/presence.service.js';
import { RequestsService } from '../requests/requests.service.js';
import { SessionStartHookInputDto } from './dto/hook-input.dto.js';
import {
  AwaitingMessage,
  conflictSystemMessage,
  conflictWarning,
  HeldTask,
  heldTaskLines,
  nudge,
  PUSH_OFF,
  sessionStartLines,
  stopReason,
  stopReasonWithMessages,
} from './hook-texts.js';
import { HooksStore } from './hooks.store.js';

/** The JSON a hook prints, exactly: Claude Code reads it from the hook's stdout. */
export type HookOutput =
  | {
      hookSpecificOutput: { hookEventName: 'SessionStart' | 'PostToolUse'; additionalContext: string };
      systemMessage?: string;
    }
  | { decision: 'block'; reason: string };

/** The coordinator's largest page of agents, most recently seen first: online ones come first. */
const AGENT_PAGE = 100;
/** Open requests a hook reads: the oldest page, as GET /api/pending reads it. */
const REQUEST_PAGE = 20;
/** Messages awaiting an ack a hook reads: the first page, in mailbox order. */
const MESSAGE_PAGE = 20;
/** Claimed tasks the Stop hook reads: the first ones found; it says "or more" past them. */
const CLAIM_PAGE = 10;
/** Enough of a message for its first line; a hook's output stays small. */
const PREVIEW_BYTES = { message: 500, context: 0 };

/**
 * What the plugin's hooks do, decided here so that a hook on the host is one `curl` that prints
 * the answer: SessionStart registers and orients Claude, Stop keeps it answering while requests
 * wait, PostToolUse nudges it mid-turn about a new one, SessionEnd signs it off. What a hook must
 * remember per session lives in Redis (HooksStore), so any coordinator process can answer.
 */
@Injectable()
export class HooksService {
  constructor(
    private readonly agents: AgentsService,
    private readonly presence: PresenceService,
    private readonly requests: RequestsService,
    private readonly messages: MessagesService,
    private readonly tasks: TasksService,
    private readonly store: HooksStore,
    private readonly config: AppConfig,
  ) {}

  /**
   * `channels`: whether Claude Code was started with C3PO's channels, so that pushes reach this
   * session (undefined: the hook could not tell). A new session without them is told how to
   * turn push on.
   */
  async sessionStart(
    agentId: string,
    { session_id: sessionId, source }: SessionStartHookInputDto,
    session: { coordinatorUrl: string; channels?: boolean; key?: KeyHolder },
  ): Promise<HookOutput> {
    const { coordinatorUrl, channels, key } = session;
    // Registering makes the agent known; here, not in the guard, so that input refused by
    // validation creates no record.
    await this.presence.seen(agentId, sessionId, { create: true, key });
    const { session_conflict: conflict } = await this.agents.register(agentId, { channels }, sessionId);
    const [page, pending, awaitingAck] = await Promise.all([
      this.agents.list({ limit: AGENT_PAGE }),
      this.openRequests(agentId, { message: 0, context: 0 }),
      this.awaitingAck(agentId),
    ]);
    // Told here, a message is not told again by this session's Stop hook.
    await this.store.chooseUntoldMessages(
      agentId,
      sessionId,
      awaitingAck.messages.map((m) => m.id),
    );
    const others = page.agents.filter((a) => a.agent_id !== agentId && a.status === 'online').map((a) => a.agent_id);
    // `online` counts every agent seen within the online window, this one and any whose session
    // ended since included. While the page holds them all its statuses are exact; past that,
    // `online` less this agent is the best count there is.
    const othersOnline = page.online > page.agents.length ? Math.max(others.length, page.online - 1) : others.length;
    const lines = sessionStartLines({
      agentId,
      coordinatorUrl,
      others,
      othersOnline,
      waiting: pending.total,
      awaitingAck,
    });
    const spare = conflict && spareId(agentId, page.agents);
    // Told once, when the session starts, not again on every resume or compaction.
    const toldPushOff = channels === false && (source ?? 'startup') === 'startup';
    const userLines = [spare && conflictSystemMessage(agentId, spare), toldPushOff && PUSH_OFF].filter(
      (line): line is string => typeof line === 'string',
    );
    return {
      hookSpecificOutput: {
        hookEventName: 'SessionStart',
        additionalContext: (spare ? [conflictWarning(agentId, conflict.last_active, spare), ...lines] : lines).join(
          '\n',
        ),
      },
      ...(userLines.length > 0 && { systemMessage: userLines.join(' ') }),
    };
  }

  /**
   * Blocks the stop while requests wait. Under `stop_hook_active` (this Stop follows a block)
   * it blocks again only for a request that arrived since, so Claude is never looped. Messages
   * awaiting the agent's ack block it once per message and session: a message this session was
   * told about (here or at SessionStart) never blocks it again. So do tasks the agent holds
   * claimed: a session that stops with one is reminded once that nobody else can take it.
   */
  async stop(agentId: string, sessionId: string, stopHookActive: boolean): Promise<HookOutput | null> {
    const [{ requests, total }, awaitingAck, claims] = await Promise.all([
      this.openRequests(agentId, PREVIEW_BYTES),
      this.awaitingAck(agentId),
      this.tasks.claimsOf(agentId, CLAIM_PAGE + 1),
    ]);
    const ids = requests.map((r) => r.request_id);
    // Three memories on three keys: decided at once, not one after another.
    const [block, untold, unreminded] = await Promise.all([
      this.store.decideStopBlock(agentId, sessionId, stopHookActive, ids),
      awaitingAck.messages.length === 0
        ? ([] as string[])
        : this.store.chooseUntoldMessages(
            agentId,
            sessionId,
            awaitingAck.messages.map((m) => m.id),
          ),
      this.unremindedClaims(agentId, sessionId, claims),
    ]);
    const news = awaitingAck.messages.filter((m) => untold.includes(m.id));
    if (!block && news.length === 0 && unreminded.length === 0) {
      return null;
    }
    const reason = [
      stopReasonWithMessages(block ? stopReason(agentId, requests, total) : null, news, awaitingAck.more),
      ...(unreminded.length > 0 ? heldTaskLines(unreminded, claims.length > CLAIM_PAGE) : []),
    ];
    return { decision: 'block', reason: reason.filter((part) => part !== '').join('\n') };
  }

  /** Of the agent's claims (CLAIM_PAGE + 1 read), those this session was never reminded of, now remembered. */
  private async unremindedClaims(agentId: string, sessionId: string, claims: HeldTask[]): Promise<HeldTask[]> {
    const page = claims.slice(0, CLAIM_PAGE);
    if (page.length === 0) {
      return [];
    }
    const chosen = new Set(
      await this.store.chooseUnremindedClaims(
        agentId,
        sessionId,
        page.map((t) => t.task_id),
      ),
    );
    return page.filter((t) => chosen.has(t.task_id));
  }

  /**
   * A mid-turn nudge about requests not yet handed to the agent (queued), each at most once per
   * session, and at most once per C3PO_NUDGE_INTERVAL_S; nothing when there is nothing new.
   */
  async postToolUse(agentId: string, sessionId: string): Promise<HookOutput | null> {
    const { requests } = await this.openRequests(agentId, PREVIEW_BYTES);
    const queued = requests.filter((r) => r.state === 'queued');
    if (queued.length === 0) {
      return null;
    }
    const chosen = new Set(
      await this.store.chooseNudge(
        agentId,
        sessionId,
        queued.map((r) => r.request_id),
        this.config.C3PO_NUDGE_INTERVAL_S * 1000,
      ),
    );
    const news = queued.filter((r) => chosen.has(r.request_id));
    if (news.length === 0) {
      return null;
    }
    return { hookSpecificOutput: { hookEventName: 'PostToolUse', additionalContext: nudge(news) } };
  }

  /** Shows the agent offline at once (unless a newer session holds its id), and forgets the session. */
  async sessionEnd(agentId: string, sessionId: string): Promise<null> {
    await Promise.all([this.agents.leave(agentId, sessionId), this.store.forget(agentId, sessionId)]);
    return null;
  }

  /** The first messages awaiting the agent's ack, only looked at: nothing is delivered or marked shown. */
  private async awaitingAck(agentId: string): Promise<{ messages: AwaitingMessage[]; more: boolean }> {
    const { messages, more } = await this.messages.awaitingAck(agentId, MESSAGE_PAGE);
    return { messages: messages.map(({ id, from, type, subject }) => ({ id, from, type, subject })), more };
  }

  /** The oldest page of the agent's open requests, only looked at: nothing is handed out. */
  private openRequests(agentId: string, previewBytes: { message: number; context: number }) {
    return this.requests.pending(agentId, { limit: REQUEST_PAGE, lease: false, previewBytes });
  }
}

/**
 * The first `<id>-N` no agent on the page uses, to suggest as this session's own id. The page
 * holds the most recently seen agents, where a twin session that took `<id>-2` would be.
 */
function spareId(agentId: string, agents: AgentView[]): string {
  const taken = new Set(agents.map((a) => a.agent_id));
  const base = agentId.slice(0, 60);
  let n = 2;
  while (taken.has(`${base}-${n}`)) {
    n += 1;
  }
  return `${base}-${n}`;
}
