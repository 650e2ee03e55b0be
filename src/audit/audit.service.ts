import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { callContext } from '../logging/call-context.js';
import { Metrics } from '../metrics/metrics.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';

/** What the audit log records: who did what and how it ended. Never message bodies. */
export interface AuditEvent {
  /** send, answer, cancel, key.create, key.revoke, refused.key, refused.host, refused.origin, refused.limit, … */
  action: string;
  /** "ok", or why it was refused, in a word or two ("revoked key", "inbox full"). */
  outcome: string;
  /**
   * Defaults to the current call's agent. In refused.key, refused.host and refused.origin it is
   * only the X-Agent-ID the refused caller claimed: nothing proved it.
   */
  agent?: string;
  /** Defaults to the name of the key the current call authenticated with. */
  key?: string;
  /** Ids the action touched (request_id, target, path): short, never user text. */
  detail?: string;
}

export interface AuditEntry extends Required<AuditEvent> {
  id: string;
  time: string;
}

/** Longest detail kept, so an entry stays small whatever a caller sent. */
const MAX_DETAIL = 200;

/**
 * A capped Redis stream of security-relevant events. Writing is fire-and-forget: an audit write
 * that fails (Redis away) is logged, and never fails the call it describes.
 *
 * Anyone who reaches the port can cause refusals, so each process writes at most
 * C3PO_AUDIT_REFUSALS_PER_S refused.* entries a second: a flood of them cannot trim the sends
 * and key changes off the stream in seconds. The next refusal written says how many were not.
 */
@Injectable()
export class AuditService {
  private readonly logger = new Logger(AuditService.name);
  /** The clock second whose refusal entries refusalsWritten counts. */
  private refusalSecond = 0;
  private refusalsWritten = 0;
  /** Refusals not written since the last one that was. */
  private refusalsOmitted = 0;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  record(event: AuditEvent): void {
    let detail = (event.detail ?? '').slice(0, MAX_DETAIL);
    if (event.action.startsWith('refused.')) {
      const omitted = this.admitRefusal();
      if (omitted === undefined) {
        return;
      }
      if (omitted > 0) {
        detail = `${detail} (+${omitted} earlier refusals not recorded)`.trimStart();
      }
    }
    const context = callContext.getStore();
    const fields = {
      action: event.action,
      outcome: event.outcome,
      agent: event.agent ?? context?.agent_id ?? '',
      key: event.key ?? context?.key_name ?? '',
      detail,
    };
    this.redis
      .xadd(this.keys.audit, 'MAXLEN', '~', this.config.C3PO_AUDIT_MAX_ENTRIES, '*', ...Object.entries(fields).flat())
      .catch((error: Error) => this.logger.warn(`audit entry not written (${fields.action}): ${error.message}`));
  }

  /** undefined when this refusal is over the second's allowance, else how many went unwritten before it. */
  private admitRefusal(): number | undefined {
    const second = Math.floor(Date.now() / 1000);
    if (second !== this.refusalSecond) {
      this.refusalSecond = second;
      this.refusalsWritten = 0;
    }
    if (this.refusalsWritten >= this.config.C3PO_AUDIT_REFUSALS_PER_S) {
      this.refusalsOmitted++;
      this.metrics.auditRefusalsOmitted.inc();
      return undefined;
    }
    this.refusalsWritten++;
    const omitted = this.refusalsOmitted;
    this.refusalsOmitted = 0;
    return omitted;
  }

  /** Newest first, `limit` entries older than the entry id `before`, optionally of one agent or action. */
  async list(query: { limit: number; before?: string; agent?: string; action?: string }): Promise<{
    entries: AuditEntry[];
    next_before: string | null;
  }> {
    const entries: AuditEntry[] = [];
    if (query.before !== undefined && /^0+-0+$/.test(query.before)) {
      // Nothing comes before 0-0, and Redis refuses the exclusive range "(0-0" outright.
      return { entries, next_before: null };
    }
    let end = query.before ? `(${query.before}` : '+';
    // Filters are applied while reading back in bounded batches, so a page costs at most this many reads.
    for (let scanned = 0; entries.length < query.limit && scanned < 10 * query.limit + 1000;) {
      const batch = await this.redis.xrevrange(this.keys.audit, end, '-', 'COUNT', 200);
      if (batch.length === 0) {
        return { entries, next_before: null };
      }
      scanned += batch.length;
      for (const [id, flat] of batch) {
        end = `(${id}`;
        const entry = toEntry(id, flat);
        if ((!query.agent || entry.agent === query.agent) && (!query.action || entry.action.startsWith(query.action))) {
          entries.push(entry);
          if (entries.length === query.limit) {
            return { entries, next_before: id };
          }
        }
      }
    }
    return { entries, next_before: end.slice(1) };
  }
}

function toEntry(id: string, flat: string[]): AuditEntry {
  const fields: Record<string, string> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) {
    fields[flat[i]] = flat[i + 1];
  }
  return {
    id,
    time: new Date(Number(id.split('-')[0])).toISOString(),
    action: fields.action ?? '',
    outcome: fields.outcome ?? '',
    agent: fields.agent ?? '',
    key: fields.key ?? '',
    detail: fields.detail ?? '',
  };
}
