import { BeforeApplicationShutdown, Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { RedisKeys } from './keys.js';
import { REDIS_CLIENT } from './redis.constants.js';
import { isStorageUnavailable } from './storage-errors.js';

/**
 * Says when Redis would lose requests, and notices when it did.
 *
 * At the first connection it reads Redis's persistence settings and warns if a Redis restart
 * would lose data. While running it keeps a marker key (no TTL) in Redis: every stored request
 * lives beside it, so a marker that vanished means Redis lost its data (a restart without
 * persistence, a FLUSHALL, eviction). It looks after every reconnect and every
 * C3PO_MARKER_CHECK_MS, with SET NX: one atomic command both finds the loss and rewrites the
 * marker, so of several coordinators sharing the Redis only the first to look reports it.
 */
@Injectable()
export class RedisDurabilityService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RedisDurabilityService.name);
  private readonly markerKey: string;
  private timer: NodeJS.Timeout | undefined;
  private persistenceChecked = false;
  /** Until this process first wrote or saw the marker, a missing one is a fresh Redis, not a loss. */
  private markerSeen = false;
  private checking: Promise<void> | undefined;
  private reportedCheckFailure = false;

  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    keys: RedisKeys,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    // Built here, not in keys.ts: the marker is this service's alone.
    this.markerKey = `${keys.base}marker`;
  }

  onApplicationBootstrap(): void {
    this.redis.on('ready', this.onReady);
    if (this.redis.status === 'ready') {
      this.onReady();
    }
    this.timer = setInterval(() => void this.checkMarker(), this.config.C3PO_MARKER_CHECK_MS).unref();
  }

  beforeApplicationShutdown(): void {
    clearInterval(this.timer);
    this.redis.off('ready', this.onReady);
  }

  private readonly onReady = (): void => {
    if (!this.persistenceChecked) {
      void this.checkPersistence();
    }
    void this.checkMarker();
  };

  private checkMarker(): Promise<void> {
    this.checking ??= this.lookForMarker().finally(() => (this.checking = undefined));
    return this.checking;
  }

  private async lookForMarker(): Promise<void> {
    let written: string | null;
    try {
      written = await this.redis.set(this.markerKey, new Date().toISOString(), 'NX');
    } catch (error) {
      this.reportCheckFailure(error);
      return;
    }
    if (written === 'OK' && this.markerSeen) {
      this.metrics.redisDataLoss.inc();
      this.logger.error(
        `Redis lost its data while the coordinator ran (its marker key ${this.markerKey} is gone: Redis restarted ` +
          'without persistence, or was flushed): requests stored before were lost; give Redis persistence ' +
          '(appendonly yes)',
      );
    }
    this.markerSeen = true;
  }

  private async checkPersistence(): Promise<void> {
    let appendonly: string;
    let save: string;
    try {
      [, appendonly] = await this.redis.config('GET', 'appendonly');
      [, save] = await this.redis.config('GET', 'save');
    } catch (error) {
      if (isStorageUnavailable(error)) {
        return; // Redis went away; the next 'ready' tries again.
      }
      this.persistenceChecked = true;
      this.logger.warn(
        `could not check Redis's persistence (CONFIG GET refused: ${(error as Error).message}); make sure it ` +
          'runs with appendonly yes, or a Redis restart loses the requests stored in it',
      );
      return;
    }
    this.persistenceChecked = true;
    if (appendonly === 'yes') {
      return;
    }
    const loses = save?.trim() ? 'loses writes since the last snapshot' : 'loses every request';
    this.logger.warn(
      `Redis has appendonly ${appendonly}, save "${save ?? ''}": a Redis restart ${loses}; ` +
        'set appendonly yes (redis-server --appendonly yes, or CONFIG SET appendonly yes and CONFIG REWRITE)',
    );
  }

  private reportCheckFailure(error: unknown): void {
    // An outage is the connection's to report; anything else (a refused command) once here.
    if (isStorageUnavailable(error) || this.reportedCheckFailure) {
      return;
    }
    this.reportedCheckFailure = true;
    this.logger.warn(`cannot check whether Redis lost its data: ${(error as Error).message}`);
  }
}
