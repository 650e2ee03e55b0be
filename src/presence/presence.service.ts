import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
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
@Injectable()
export class PresenceService {
  constructor(
    private readonly store: PresenceStore,
    private readonly config: AppConfig,
  ) {}

  seen(agentId: string, sessionId?: string): Promise<number> {
    return this.store.touch(agentId, sessionId);
  }

  leave(agentId: string, sessionId?: string): Promise<boolean> {
    return this.store.leave(agentId, sessionId);
  }

  statusOf(fields: PresenceFields, now: number): AgentStatus {
    const lastSeen = Number(fields.last_seen ?? 0);
    const leftAfterLastSeen = fields.left_at !== undefined && Number(fields.left_at) >= lastSeen;
    const recent = now - lastSeen <= this.config.C3PO_ONLINE_WINDOW_S * 1000;
    return recent && !leftAfterLastSeen ? 'online' : 'offline';
  }
}
