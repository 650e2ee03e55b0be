import { randomUUID } from 'node:crypto';
import { Injectable, Logger, UnauthorizedException } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { grouped } from '../common/grouped.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { PresenceService } from '../presence/presence.service.js';
import { ScriptCode } from '../redis/script-code.js';
import { isStorageUnavailable } from '../redis/storage-errors.js';
import { RequestsStore } from './requests.store.js';
import { WaitOptions, WaitOutcome } from './wakeup.service.js';

/** How a blocked wait is observed: the caller's cancellation and a progress sink, and the caller's API key. */
export interface WaitHooks {
  key?: KeyHolder;
  signal?: AbortSignal;
  onProgress?: (elapsedMs: number, timeoutMs: number) => Promise<void>;
}

/**
 * How long a blocked wait's place among C3PO_MAX_WAITS_PER_AGENT outlives its timeout: a wait
 * ends a little after it (its last Redis read, the answer going out), and must be counted until
 * then; a crashed process's waits free their places this long after their timeouts.
 */
const WAIT_PLACE_SLACK_MS = 5000;

/**
 * What every blocking tool (wait_for_request, wait_for_response, wait_for_task) shares around
 * its WakeupService wait: a place among the agent's C3PO_MAX_WAITS_PER_AGENT, presence and
 * progress on every heartbeat, the caller's cancellation, the API key checked before each
 * attempt, and the wait-duration histogram.
 */
@Injectable()
export class WaitsService {
  private readonly logger = new Logger(WaitsService.name);

  constructor(
    private readonly store: RequestsStore,
    private readonly presence: PresenceService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly audit: AuditService,
    private readonly apiKeys: ApiKeysService,
  ) {}

  /** Runs `wait` (a WakeupService.waitFor with the options it is given) as `tool` of `agentId`. */
  async run<T>(
    agentId: string,
    tool: string,
    timeoutSeconds: number,
    hooks: WaitHooks,
    wait: (options: WaitOptions) => Promise<WaitOutcome<T>>,
  ): Promise<WaitOutcome<T>> {
    const stop = this.metrics.waitDuration.startTimer({ tool });
    const outcome = await this.blocking(agentId, tool, timeoutSeconds, () =>
      wait(this.waitOptions(agentId, timeoutSeconds, hooks)),
    );
    stop({ outcome: outcome.kind });
    return outcome;
  }

  /** A wait outlives the guard's check: a key revoked meanwhile must not be served what arrives. */
  async ensureKeyValid(key: KeyHolder): Promise<void> {
    if (!(await this.apiKeys.isValid(key.id))) {
      throw new UnauthorizedException(
        `the API key '${key.name}' was revoked: ask the coordinator's operator for a key`,
      );
    }
  }

  /**
   * Runs a wait that may block in one of the agent's C3PO_MAX_WAITS_PER_AGENT places, counted in
   * Redis across processes; a wait with timeout 0 only looks, and takes none. With Redis away the
   * wait ends "unavailable", as it would at its first read.
   */
  private async blocking<T>(
    agentId: string,
    tool: string,
    timeoutSeconds: number,
    wait: () => Promise<WaitOutcome<T>>,
  ): Promise<WaitOutcome<T>> {
    if (timeoutSeconds === 0) {
      return wait();
    }
    const waitId = randomUUID();
    let place: ScriptCode;
    try {
      place = await this.store.beginWait(agentId, waitId, timeoutSeconds * 1000 + WAIT_PLACE_SLACK_MS);
    } catch (error) {
      if (isStorageUnavailable(error)) {
        return { kind: 'unavailable' };
      }
      throw error;
    }
    if (place === ScriptCode.NoPlaceLeft) {
      this.audit.record({ action: 'refused.limit', outcome: 'wait cap', agent: agentId, detail: `tool=${tool}` });
      throw new TooManyRequestsException(
        `'${agentId}' already has ${grouped(this.config.C3PO_MAX_WAITS_PER_AGENT)} blocked waits ` +
          '(C3PO_MAX_WAITS_PER_AGENT): let one finish or cancel it',
      );
    }
    try {
      return await wait();
    } finally {
      // Not awaited: the answer need not wait for it, and a place not given back ages out.
      this.store.endWait(agentId, waitId).catch((error: Error) => {
        this.logger.debug(`wait place not given back (it ages out): ${error.message}`);
      });
    }
  }

  private waitOptions(agentId: string, timeoutSeconds: number, hooks: WaitHooks): WaitOptions {
    const timeoutMs = timeoutSeconds * 1000;
    return {
      timeoutMs,
      signal: hooks.signal,
      onHeartbeat: async (elapsedMs: number) => {
        await this.presence.seen(agentId, '', { create: false });
        await hooks.onProgress?.(elapsedMs, timeoutMs);
      },
      stillAllowed: hooks.key && (() => this.ensureKeyValid(hooks.key!)),
    };
  }
}
