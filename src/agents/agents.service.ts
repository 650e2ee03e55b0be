import { Injectable } from '@nestjs/common';
import { distance } from 'fastest-levenshtein';
import { isoFromMs } from '../common/timestamps.js';
import { Metrics } from '../metrics/metrics.js';
import { AgentStatus, PresenceService } from '../presence/presence.service.js';
import { AgentRecord, AgentsStore, ProfileFields } from './agents.store.js';

export interface AgentView {
  agent_id: string;
  status: AgentStatus;
  first_seen: string | null;
  last_seen: string | null;
  description: string;
  capabilities: string[];
  /** In a listed page: whether a Claude Code session of this agent holds a push stream open now. */
  push?: boolean;
}

export interface AgentsPageView {
  agents: AgentView[];
  total: number;
  online: number;
  next_cursor: string | null;
}

export interface Registration {
  agent: AgentView;
  registered_at: string;
  /** Set when another live Claude Code session already uses this agent id. */
  session_conflict: { session_id: string; last_active: string | null } | null;
}

/** Most ids an unknown-target error suggests. */
const SUGGESTIONS = 3;

@Injectable()
export class AgentsService {
  constructor(
    private readonly store: AgentsStore,
    private readonly presence: PresenceService,
    metrics: Metrics,
  ) {
    // One ZCOUNT per scrape, whatever the registry holds: /metrics needs no key.
    metrics.gauge(
      'c3po_online_agents',
      'Agents seen within C3PO_ONLINE_WINDOW_S, ones whose session ended since included',
      () => this.store.countOnline(),
    );
  }

  async register(agentId: string, profile: ProfileFields, sessionId?: string): Promise<Registration> {
    const other = await this.store.register(agentId, profile, sessionId);
    const record = await this.store.get(agentId);
    const now = Date.now();
    return {
      agent: this.view(record ?? { agent_id: agentId, first_seen: String(now), last_seen: String(now) }, now),
      registered_at: new Date(now).toISOString(),
      session_conflict: other && { session_id: other.session_id, last_active: isoFromMs(other.last_active_ms) },
    };
  }

  /** A page of the registry, most recently seen first, so online agents come before offline ones. */
  async list(page: { limit: number; cursor?: string }): Promise<AgentsPageView> {
    const { agents, total, online, nextCursor, now } = await this.store.list(page);
    return { agents: agents.map((record) => this.view(record, now)), total, online, next_cursor: nextCursor };
  }

  /**
   * The error for a send to an unregistered agent: `outcome` says what did not happen ("request
   * was not queued"), and up to three near ids are offered as a "did you mean".
   */
  async notRegistered(target: string, outcome: string): Promise<string> {
    const similar = (await this.similarIds(target, SUGGESTIONS)).map((id) => `'${id}'`);
    const names = similar.length <= 1 ? similar[0] : `${similar.slice(0, -1).join(', ')} or ${similar.at(-1)}`;
    return names
      ? `agent '${target}' is not registered: did you mean ${names}? The ${outcome} (list_agents shows who is registered)`
      : `agent '${target}' is not registered: the ${outcome} (list_agents shows who is registered)`;
  }

  leave(agentId: string, sessionId?: string): Promise<boolean> {
    return this.presence.leave(agentId, sessionId);
  }

  /**
   * Up to `count` known ids closest to `id` by edit distance, closest first, for a "did you
   * mean": only ids near enough to be a typo, never the whole registry.
   */
  private async similarIds(id: string, count: number): Promise<string[]> {
    const wanted = id.toLowerCase();
    const near = Math.max(2, Math.floor(id.length / 3));
    return (await this.store.ids())
      .map((known) => ({ known, edits: distance(wanted, known.toLowerCase()) }))
      .filter(({ edits }) => edits <= near)
      .sort((a, b) => a.edits - b.edits || a.known.localeCompare(b.known))
      .slice(0, count)
      .map(({ known }) => known);
  }

  private view(record: AgentRecord, now: number): AgentView {
    // Claude Code opens the push stream whether or not it shows pushes: a session that started
    // without C3PO's channels holds one too, and is online, but has no push.
    const streams = record.push_streams === undefined ? undefined : Number(record.push_streams);
    const push = streams === undefined ? undefined : streams > 0 && record.channels !== '0';
    return {
      agent_id: record.agent_id,
      // An open push stream is a live session right now, whatever the hooks last said.
      status: streams ? 'online' : this.presence.statusOf(record, now),
      first_seen: isoFromMs(record.first_seen),
      last_seen: isoFromMs(record.last_seen),
      description: record.description ?? '',
      capabilities: record.capabilities ? (JSON.parse(record.capabilities) as string[]) : [],
      ...(push !== undefined && { push }),
    };
  }
}
