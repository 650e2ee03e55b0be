import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Metrics } from '../metrics/metrics.js';
import { requestTopic } from '../redis/topics.js';
import { RequestRecord } from './request-record.js';
import { NewRequest, PendingPage, RequestsStore, SendResult } from './requests.store.js';
import { WaitOptions, WaitOutcome, WakeupService } from './wakeup.service.js';

/** Most leases one sweep takes back per script call, so that one call never holds Redis long. */
const SWEEP_BATCH = 100;

/**
 * Everything about getting a request to its addressee: the "deliver now?" decision and the
 * in-process hand-off (with its undo), claims by blocked waits, pages handed out, and the
 * leases that take back what was handed out and never answered.
 *
 * Delivery is at least once: a request handed out is leased to its addressee for
 * C3PO_DELIVERY_LEASE_S; unanswered by then it is queued again (delivery_count grows), and once
 * handed out C3PO_MAX_DELIVERIES times it becomes undeliverable and its sender is told.
 */
@Injectable()
export class DeliveryService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(DeliveryService.name);
  private sweeper?: NodeJS.Timeout;
  private sweeping = false;

  constructor(
    private readonly store: RequestsStore,
    private readonly wakeups: WakeupService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => void this.sweepLeases(), this.config.C3PO_LEASE_SWEEP_MS);
    this.sweeper.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Stores a request. When a wait of the target's sleeps in this process, the script delivers it
   * at once (if nothing older is queued) and the wait is handed the record; if that wait ended
   * while the script ran, the delivery is undone and the request queued like any other.
   */
  async send(request: Omit<NewRequest, 'deliverNow'>): Promise<SendResult> {
    const topic = requestTopic(request.to);
    const result = await this.store.send({ ...request, deliverNow: this.wakeups.isWaiting(topic) });
    if (result.ok && result.delivered && !this.wakeups.handOff(topic, result.delivered)) {
      await this.giveBack(request.to, result.requestId);
    }
    return result;
  }

  /** Undoes a delivery its taker cannot keep: queued again in its place, the hand-out not counted. */
  giveBack(agentId: string, requestId: string): Promise<void> {
    return this.store.requeue(agentId, requestId);
  }

  /** Blocks until a request for `agentId` can be claimed (oldest first), and leases it. */
  receive(agentId: string, options: WaitOptions): Promise<WaitOutcome<RequestRecord>> {
    return this.wakeups.waitFor(
      requestTopic(agentId),
      async () => {
        const { claimed, expired } = await this.store.claimQueued(agentId);
        this.metrics.requestsExpired.inc(expired);
        return claimed;
      },
      options,
    );
  }

  /** A page of the agent's open requests; `lease` hands them out to it. */
  async page(agentId: string, page: Parameters<RequestsStore['pending']>[1]): Promise<PendingPage> {
    const result = await this.store.pending(agentId, page);
    this.metrics.requestsExpired.inc(result.expired);
    return result;
  }

  /** Takes back every request whose lease ran out, in batches; one sweep at a time per process. */
  async sweepLeases(): Promise<void> {
    if (this.sweeping) {
      return;
    }
    this.sweeping = true;
    try {
      for (;;) {
        const { requeued, undeliverable } = await this.store.expireLeases(SWEEP_BATCH);
        this.metrics.requestsRedelivered.inc(requeued.length);
        this.metrics.requestsUndeliverable.inc(undeliverable.length);
        if (requeued.length + undeliverable.length < SWEEP_BATCH) {
          return;
        }
      }
    } catch (error) {
      // Redis is away: the connection says so once; the next sweep catches up.
      this.logger.debug(`lease sweep failed: ${(error as Error).message}`);
    } finally {
      this.sweeping = false;
    }
  }
}
