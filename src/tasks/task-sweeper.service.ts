import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { TasksStore } from './tasks.store.js';

/** Most leases (or closed tasks) one script call deals with, so that one call never holds Redis long. */
const SWEEP_BATCH = 100;

/**
 * Keeps task claims honest, every C3PO_LEASE_SWEEP_MS in each process: a claim is leased for
 * C3PO_TASK_LEASE_S, and a lapsed lease is renewed while its claimer shows signs of life (its
 * agent record's last_seen, which its calls, hooks and push heartbeats refresh), else the task
 * is taken back (available again, or failed once claimed C3PO_TASK_MAX_ATTEMPTS times). Also
 * removes tasks closed longer than C3PO_TASK_KEEP_S ago, and boards left empty that long.
 */
@Injectable()
export class TaskSweeperService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(TaskSweeperService.name);
  private timer?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly store: TasksStore,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.sweep(), this.config.C3PO_LEASE_SWEEP_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One sweep, in batches; one at a time per process. */
  async sweep(): Promise<void> {
    if (this.sweeping) {
      return;
    }
    this.sweeping = true;
    try {
      for (;;) {
        const { renewed, requeued, failed } = await this.store.sweepLeases(SWEEP_BATCH);
        this.metrics.taskLeasesExpired.inc({ outcome: 'available' }, requeued.length);
        this.metrics.taskLeasesExpired.inc({ outcome: 'failed' }, failed.length);
        if (renewed.length + requeued.length + failed.length < SWEEP_BATCH) {
          break;
        }
      }
      while ((await this.store.prune(SWEEP_BATCH)).tasks === SWEEP_BATCH) {
        // More closed tasks are due: the next batch.
      }
    } catch (error) {
      // Redis is away: the connection says so once; the next sweep catches up.
      this.logger.debug(`task sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
