import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';

/**
 * How long a session's hook memory outlives its last change. A Stop chain (block, then
 * stop_hook_active) takes seconds; a day lets a long-open session keep its nudges apart without
 * a session that ended without SessionEnd leaving its keys behind for good.
 */
const SESSION_MEMORY_TTL_S = 24 * 3600;
/**
 * Request ids a session's nudge memory keeps, the most recently nudged. Far above what one inbox
 * page holds, so only a request still queued after this many newer nudges can be nudged twice.
 */
const NUDGED_KEPT = 200;

/** What the hooks remember per Claude Code session, in Redis, so any coordinator process can answer. */
@Injectable()
export class HooksStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
  ) {}

  /** Whether this Stop blocks, given the page of open request ids; remembers what a block shows. */
  async decideStopBlock(agentId: string, sessionId: string, again: boolean, ids: string[]): Promise<boolean> {
    const block = await this.scripts.run(
      Scripts.decideStopBlock,
      { shown: this.keys.hookStopShown(agentId, sessionId) },
      { again: again ? '1' : '0', ttlS: SESSION_MEMORY_TTL_S, idsJson: JSON.stringify(ids) },
    );
    return block === 1;
  }

  /** Of the queued request ids, those to nudge the session about now (none within the interval). */
  chooseNudge(agentId: string, sessionId: string, queuedIds: string[], intervalMs: number): Promise<string[]> {
    return this.scripts.run(
      Scripts.chooseNudge,
      { nudged: this.keys.hookNudged(agentId, sessionId) },
      { intervalMs, keep: NUDGED_KEPT, ttlS: SESSION_MEMORY_TTL_S, idsJson: JSON.stringify(queuedIds) },
    );
  }

  /**
   * Of the ids of messages awaiting the agent's ack, those this session was never told about,
   * now remembered as told: the hooks mention each message once per session.
   */
  chooseUntoldMessages(agentId: string, sessionId: string, ids: string[]): Promise<string[]> {
    return this.scripts.run(
      Scripts.chooseNudge,
      { nudged: this.keys.hookMessagesTold(agentId, sessionId) },
      { intervalMs: 0, keep: NUDGED_KEPT, ttlS: SESSION_MEMORY_TTL_S, idsJson: JSON.stringify(ids) },
    );
  }

  /** Of the ids of tasks the agent holds claimed, those the Stop hook never reminded this session of, now remembered. */
  chooseUnremindedClaims(agentId: string, sessionId: string, ids: string[]): Promise<string[]> {
    return this.scripts.run(
      Scripts.chooseNudge,
      { nudged: this.keys.hookClaimsTold(agentId, sessionId) },
      { intervalMs: 0, keep: NUDGED_KEPT, ttlS: SESSION_MEMORY_TTL_S, idsJson: JSON.stringify(ids) },
    );
  }

  /** Drops the session's memory: it ended. One DEL, so all its keys go together. */
  async forget(agentId: string, sessionId: string): Promise<void> {
    await this.redis.del(
      this.keys.hookStopShown(agentId, sessionId),
      this.keys.hookNudged(agentId, sessionId),
      this.keys.hookMessagesTold(agentId, sessionId),
      this.keys.hookClaimsTold(agentId, sessionId),
    );
  }
}
