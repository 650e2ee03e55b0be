import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { RedisKeys } from '../redis/keys.js';
import { fromFlat } from '../redis/from-flat.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';

/** An agent record as stored: every value a string, times in epoch ms. */
export interface AgentRecord {
  agent_id: string;
  first_seen: string;
  last_seen: string;
  left_at?: string;
  description?: string;
  capabilities?: string;
  session_id?: string;
  /** Push streams open now; listed pages only. */
  push_streams?: string;
  /** '0' when the agent's latest Claude Code session started without C3PO's channels: pushes would be dropped. */
  channels?: string;
}

/**
 * A session that has not ended counts as live for this long after its last hook call. Hooks run
 * only at session start and turn ends, so an idle but open session goes quiet for long spells;
 * a false warning costs less than two sessions silently sharing an inbox.
 */
const SESSION_LIVE_WINDOW_MS = 60 * 60 * 1000;

export interface ProfileFields {
  description?: string;
  capabilities?: string[];
  /** Whether the Claude Code session registering was started with C3PO's channels (SessionStart hook). */
  channels?: boolean;
}

/**
 * A page cursor of the agent list: the last_seen of the previous page's last agent and how many
 * agents seen in that same millisecond the pages so far held.
 */
export const AGENTS_CURSOR_PATTERN = /^\d{1,15}:\d{1,9}$/;

export interface AgentsPage {
  agents: AgentRecord[];
  /** Agents seen within the record TTL. */
  total: number;
  /** Of them, those seen within the online window, including any that left since. */
  online: number;
  nextCursor: string | null;
  /** Redis's clock, in epoch ms. */
  now: number;
}

export interface OtherSession {
  session_id: string;
  last_active_ms: number;
}

@Injectable()
export class AgentsStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  /** Saves profile fields and the session; reports another live session holding the same id. */
  async register(agentId: string, profile: ProfileFields, sessionId = ''): Promise<OtherSession | null> {
    // toWellFormed(): the fields reach Lua as JSON, and cjson refuses the \udXXX escape that
    // JSON.stringify writes for a lone surrogate. U+FFFD is what Redis keeps for one anyway,
    // in any text sent as a plain argument (a message, a response).
    const fields: Record<string, string> = {};
    if (profile.description !== undefined) {
      fields.description = profile.description.toWellFormed();
    }
    if (profile.capabilities !== undefined) {
      fields.capabilities = JSON.stringify(profile.capabilities.map((capability) => capability.toWellFormed()));
    }
    if (profile.channels !== undefined) {
      fields.channels = profile.channels ? '1' : '0';
    }
    const other = await this.scripts.run(
      Scripts.registerSession,
      { agent: this.keys.agent(agentId) },
      {
        sessionId,
        sessionLiveMs: Math.max(SESSION_LIVE_WINDOW_MS, this.config.C3PO_ONLINE_WINDOW_S * 1000),
        profileJson: JSON.stringify(fields),
      },
    );
    return other.length === 2 ? { session_id: other[0], last_active_ms: Number(other[1]) } : null;
  }

  async get(agentId: string): Promise<AgentRecord | null> {
    const record = await this.redis.hgetall(this.keys.agent(agentId));
    return record.agent_id ? (record as unknown as AgentRecord) : null;
  }

  /** Ids of the agents seen within the record TTL (the index only, no records). */
  ids(): Promise<string[]> {
    return this.redis.zrangebyscore(this.keys.agentIndex, this.horizonMs(), '+inf');
  }

  /** One page of the agents seen within the record TTL, most recently seen first. */
  async list(page: { limit: number; cursor?: string }): Promise<AgentsPage> {
    const [seen, ties] = page.cursor?.split(':') ?? ['', 0];
    const [now, total, online, records, nextSeen, nextTies] = await this.scripts.run(
      Scripts.listAgents,
      { agentIndex: this.keys.agentIndex },
      {
        horizonMs: this.horizonMs(),
        agentPrefix: this.keys.agent(''),
        cursorSeen: seen,
        cursorTies: ties,
        limit: page.limit,
        onlineWindowMs: this.onlineWindowMs(),
        pushStreamsPrefix: this.keys.pushStreamsPrefix,
      },
    );
    return {
      agents: records.map((flat) => fromFlat<AgentRecord>(flat)),
      total,
      online,
      // Number(): whichever form Redis writes the score in, the cursor is digits.
      nextCursor: nextSeen === '' ? null : `${Number(nextSeen)}:${nextTies}`,
      now,
    };
  }

  /** Agents seen within the online window (a left one too, until the window passes): one ZCOUNT. */
  countOnline(): Promise<number> {
    return this.scripts.run(
      Scripts.countOnline,
      { agentIndex: this.keys.agentIndex },
      { onlineWindowMs: this.onlineWindowMs() },
    );
  }

  private onlineWindowMs(): number {
    return this.config.C3PO_ONLINE_WINDOW_S * 1000;
  }

  /** Index entries seen before this are records that expired. */
  private horizonMs(): number {
    return Date.now() - this.config.C3PO_REQUEST_TTL_S * 1000;
  }
}
