import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { grouped } from '../common/grouped.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { AppConfig } from '../config/app-config.js';
import { ScriptCode } from '../redis/script-code.js';
import { isStorageUnavailable } from '../redis/storage-errors.js';
import { PresenceStore } from './presence.store.js';

export type AgentStatus = 'online' | 'offline';

/** The presence fields of an agent record, as stored (epoch ms strings). */
export interface PresenceFields {
  last_seen?: string;
  left_at?: string;
}

/**
 * Online means seen within C3PO_ONLINE_WINDOW_S and not gone since. An agent blocked in a wait
 * counts as seen: waits refresh presence on every heartbeat.
 */
/**
 * Presence is refreshed at most this often per agent and session by one process: last_seen is
 * read against a 90 s window, and skipping the write saves a Redis round trip on most calls.
 */
const REFRESH_INTERVAL_MS = 1000;
/** Past this many remembered agents, forget them all rather than keep a growing map. */
const MAX_REMEMBERED = 10_000;

@Injectable()
export class PresenceService {
  private readonly lastRefresh = new Map<string, number>();

  constructor(
    private readonly store: PresenceStore,
    private readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records a sign of life. Only with `create` (registering, sending) does an agent without a
   * record get one, and not past C3PO_MAX_AGENTS: then a 429. Best-effort: while Redis is away
   * the write is skipped rather than failing the call it rides on, so a wait can still answer
   * "unavailable, call again" and the MCP handshake, which needs no Redis, still works.
   */
  async seen(agentId: string, sessionId = '', options: { create: boolean; key?: KeyHolder }): Promise<void> {
    const key = `${agentId} ${sessionId}`;
    const now = Date.now();
    if (now - (this.lastRefresh.get(key) ?? 0) < REFRESH_INTERVAL_MS) {
      return;
    }
    if (this.lastRefresh.size >= MAX_REMEMBERED) {
      this.lastRefresh.clear();
    }
    let outcome: ScriptCode;
    try {
      outcome = await this.store.touch(agentId, sessionId, options.create, options.key?.id);
    } catch (error) {
      if (isStorageUnavailable(error)) {
        return;
      }
      throw error;
    }
    if (outcome === ScriptCode.TooManyAgents) {
      this.audit.record({ action: 'refused.limit', outcome: 'agent cap', agent: agentId, detail: `agent=${agentId}` });
      throw new TooManyRequestsException(
        `the coordinator already holds ${grouped(this.config.C3PO_MAX_AGENTS)} agents (C3PO_MAX_AGENTS): ` +
          'no new agent ids until idle ones expire; ask the operator',
      );
    }
    if (outcome === ScriptCode.TooManyAgentsForKey) {
      this.audit.record({
        action: 'refused.limit',
        outcome: 'key agent cap',
        agent: agentId,
        detail: `agent=${agentId}`,
      });
      throw new TooManyRequestsException(
        `the API key '${options.key!.name}' has already used ${grouped(this.config.C3PO_MAX_AGENTS_PER_KEY)} agent ids ` +
          '(C3PO_MAX_AGENTS_PER_KEY): use one of those, or ask the operator',
      );
    }
    // Only a record that exists is fresh: a creating call within the second must still create it.
    if (outcome === ScriptCode.Ok) {
      this.lastRefresh.set(key, now);
    }
  }

  async leave(agentId: string, sessionId?: string): Promise<boolean> {
    this.forget(agentId);
    return this.store.leave(agentId, sessionId);
  }

  /** Drops the agent's recent refreshes, after it went offline: its next call must mark it online at once. */
  forget(agentId: string): void {
    this.lastRefresh.forEach((_, key) => key.startsWith(`${agentId} `) && this.lastRefresh.delete(key));
  }

  statusOf(fields: PresenceFields, now: number): AgentStatus {
    const lastSeen = Number(fields.last_seen ?? 0);
    const leftAfterLastSeen = fields.left_at !== undefined && Number(fields.left_at) >= lastSeen;
    const recent = now - lastSeen <= this.config.C3PO_ONLINE_WINDOW_S * 1000;
    return recent && !leftAfterLastSeen ? 'online' : 'offline';
  }
}
