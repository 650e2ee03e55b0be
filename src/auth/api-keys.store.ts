import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { execResults } from '../redis/exec-results.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';

/** An API key's record as stored: times in epoch ms strings, the key itself only as its hash. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  agent_pattern: string;
  created_at: string;
  last_used_at?: string;
}

/** A key that authenticated a call. */
export interface KeyHolder {
  id: string;
  name: string;
  agentPattern: string;
}

/**
 * last_used_at is rewritten at most this often per key: it tells an operator whether a key is
 * still in use, which minute-level precision answers, and it spares a write on most calls.
 */
const TOUCH_EVERY_MS = 60_000;

@Injectable()
export class ApiKeysStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
  ) {}

  async create(
    record: { id: string; name: string; agentPattern: string; hash: string },
    maxKeys: number,
  ): Promise<{ ok: true; createdAt: number } | { ok: false; code: ScriptCode }> {
    const result = await this.scripts.run(
      Scripts.createApiKey,
      { record: this.keys.apiKey(record.id), byName: this.keys.apiKeysByName, byHash: this.keys.apiKeysByHash },
      { id: record.id, name: record.name, agentPattern: record.agentPattern, hash: record.hash, maxKeys },
    );
    return Array.isArray(result) ? { ok: true, createdAt: result[1] } : { ok: false, code: result };
  }

  async revoke(nameOrId: string): Promise<(ApiKeyRecord & { revoked_at: number }) | null> {
    const result = await this.scripts.run(
      Scripts.revokeApiKey,
      { byName: this.keys.apiKeysByName, byHash: this.keys.apiKeysByHash },
      { nameOrId, recordPrefix: this.keys.apiKeyPrefix },
    );
    if (!Array.isArray(result)) {
      return null;
    }
    const [, id, name, agentPattern, revokedAt] = result;
    return { id, name, agent_pattern: agentPattern, created_at: '', revoked_at: revokedAt };
  }

  /** Every key, by name, without its hash. Bounded by C3PO_MAX_API_KEYS. */
  async list(): Promise<ApiKeyRecord[]> {
    const ids = await this.redis.hvals(this.keys.apiKeysByName);
    const pipeline = this.redis.pipeline();
    ids.forEach((id) => pipeline.hgetall(this.keys.apiKey(id)));
    const records = await execResults<Record<string, string>[]>(pipeline);
    return records
      .filter((record) => record.id)
      .map(({ id, name, agent_pattern, created_at, last_used_at }) => ({
        id,
        name,
        agent_pattern,
        created_at,
        last_used_at,
      }))
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  async authenticate(hash: string): Promise<KeyHolder | null> {
    const found = await this.scripts.run(
      Scripts.authenticateApiKey,
      { byHash: this.keys.apiKeysByHash },
      { hash, recordPrefix: this.keys.apiKeyPrefix, touchEveryMs: TOUCH_EVERY_MS },
    );
    return found && { id: found[0], name: found[1], agentPattern: found[2] };
  }
}
