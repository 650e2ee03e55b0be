import { randomBytes } from 'node:crypto';
import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { isoFromMs } from '../common/timestamps.js';
import { AppConfig } from '../config/app-config.js';
import { describeCode, ScriptCode } from '../redis/script-code.js';
import { hashKey, KEY_ID_PREFIX, newApiKey } from './api-key.js';
import { ApiKeysStore, KeyHolder } from './api-keys.store.js';

export interface ApiKeyView {
  id: string;
  name: string;
  agent_pattern: string;
  created_at: string | null;
  last_used_at: string | null;
}

/**
 * API keys: each lets its holder act as the agent ids its glob pattern matches. Keys are on when
 * the coordinator has an admin token (C3PO_ADMIN_TOKEN); the key itself is returned once, at
 * creation, and stored only as its SHA-256.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly store: ApiKeysStore,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** Whether every agent call must carry a key. */
  get required(): boolean {
    return this.config.C3PO_ADMIN_TOKEN !== '';
  }

  async create(name: string, agentPattern: string): Promise<ApiKeyView & { key: string }> {
    const key = newApiKey();
    const id = `${KEY_ID_PREFIX}${randomBytes(6).toString('hex')}`;
    const result = await this.store.create(
      { id, name, agentPattern, hash: hashKey(key) },
      this.config.C3PO_MAX_API_KEYS,
    );
    if (!result.ok) {
      this.audit.record({ action: 'key.create', outcome: describeCode(result.code), agent: '', key: name });
      throw new ConflictException(
        result.code === ScriptCode.NameTaken
          ? `a key named '${name}' exists: revoke it first (npx c3po keys revoke ${name}) or choose another name`
          : `the coordinator holds ${this.config.C3PO_MAX_API_KEYS} keys (C3PO_MAX_API_KEYS): revoke unused ones first`,
      );
    }
    this.audit.record({
      action: 'key.create',
      outcome: 'ok',
      agent: '',
      key: name,
      detail: `${id} for '${agentPattern}'`,
    });
    return {
      id,
      name,
      agent_pattern: agentPattern,
      created_at: isoFromMs(result.createdAt),
      last_used_at: null,
      key,
    };
  }

  async list(): Promise<ApiKeyView[]> {
    return (await this.store.list()).map((record) => ({
      id: record.id,
      name: record.name,
      agent_pattern: record.agent_pattern,
      created_at: isoFromMs(record.created_at),
      last_used_at: isoFromMs(record.last_used_at),
    }));
  }

  async revoke(nameOrId: string): Promise<{ id: string; name: string; agent_pattern: string; revoked_at: string }> {
    const revoked = await this.store.revoke(nameOrId);
    if (!revoked) {
      throw new NotFoundException(`no key named or with id '${nameOrId}': see npx c3po keys list`);
    }
    this.audit.record({
      action: 'key.revoke',
      outcome: 'ok',
      agent: '',
      key: revoked.name,
      detail: `${revoked.id} for '${revoked.agent_pattern}'`,
    });
    return {
      id: revoked.id,
      name: revoked.name,
      agent_pattern: revoked.agent_pattern,
      revoked_at: isoFromMs(revoked.revoked_at)!,
    };
  }

  /** The holder of a presented key, or null when no stored key has its hash (wrong or revoked). */
  authenticate(key: string): Promise<KeyHolder | null> {
    return this.store.authenticate(hashKey(key));
  }
}
