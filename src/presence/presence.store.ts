import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { RedisKeys } from '../redis/keys.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';

@Injectable()
export class PresenceStore {
  constructor(
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  /** Refreshes the agent's record; with `create`, makes one if there is none and the coordinator has room. */
  touch(agentId: string, sessionId: string, create: boolean, keyId?: string) {
    return this.scripts.run(
      Scripts.touchAgent,
      {
        agent: this.keys.agent(agentId),
        agentIndex: this.keys.agentIndex,
        keyAgents: this.keys.apiKeyAgents(keyId ?? ''),
      },
      {
        agentId,
        ttlS: this.config.C3PO_REQUEST_TTL_S,
        sessionId,
        create: create ? '1' : '0',
        maxAgents: this.config.C3PO_MAX_AGENTS,
        maxAgentsPerKey: keyId ? this.config.C3PO_MAX_AGENTS_PER_KEY : 0,
      },
    );
  }

  async leave(agentId: string, sessionId = ''): Promise<boolean> {
    const result = await this.scripts.run(Scripts.leaveSession, { agent: this.keys.agent(agentId) }, { sessionId });
    return result === 1;
  }
}
