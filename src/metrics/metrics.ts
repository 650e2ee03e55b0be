import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The coordinator's Prometheus metrics, in a registry of its own per application instance
 * (two coordinators in one test process must not share counters).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly requestsSent = new Counter({
    name: 'c3po_requests_sent_total',
    help: 'Requests queued by send_request',
    registers: [this.registry],
  });

  readonly requestsAnswered = new Counter({
    name: 'c3po_requests_answered_total',
    help: 'Requests answered, by response status',
    labelNames: ['response_status'] as const,
    registers: [this.registry],
  });

  readonly requestsExpired = new Counter({
    name: 'c3po_requests_expired_total',
    help: 'Unanswered requests found expired (C3PO_REQUEST_TTL_S) and dropped from an inbox',
    registers: [this.registry],
  });

  readonly requestsRedelivered = new Counter({
    name: 'c3po_requests_redelivered_total',
    help: 'Requests queued again because their delivery lease ran out unanswered',
    registers: [this.registry],
  });

  readonly requestsUndeliverable = new Counter({
    name: 'c3po_requests_undeliverable_total',
    help: 'Requests that became dead letters after C3PO_MAX_DELIVERIES hand-outs',
    registers: [this.registry],
  });

  readonly messagesPublished = new Counter({
    name: 'c3po_messages_published_total',
    help: 'Messages published, by addressing (direct, broadcast, topic)',
    labelNames: ['addressed'] as const,
    registers: [this.registry],
  });

  readonly messagesDelivered = new Counter({
    name: 'c3po_messages_delivered_total',
    help: 'Messages put into mailboxes by publish (one per recipient), ACK messages not counted',
    registers: [this.registry],
  });

  readonly messagesSkippedFull = new Counter({
    name: 'c3po_messages_skipped_full_total',
    help: 'Mailboxes a broadcast or topic message skipped because they held C3PO_MAILBOX_MAX_MESSAGES',
    registers: [this.registry],
  });

  readonly messagesExpired = new Counter({
    name: 'c3po_messages_expired_total',
    help: 'Messages found expired in a mailbox (C3PO_MESSAGE_TTL_S or ttl_s) and dropped from it',
    registers: [this.registry],
  });

  readonly messagesAcked = new Counter({
    name: 'c3po_messages_acked_total',
    help: 'Acks of messages (a repeated ack not counted)',
    registers: [this.registry],
  });

  readonly waitDuration = new Histogram({
    name: 'c3po_wait_duration_seconds',
    help: 'Time blocked in wait_for_request / wait_for_response, by outcome',
    labelNames: ['tool', 'outcome'] as const,
    buckets: [0.01, 0.1, 1, 5, 15, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  readonly deliveryLatency = new Histogram({
    name: 'c3po_delivery_latency_seconds',
    help: 'Time from send_request to the addressee receiving the request',
    buckets: [0.001, 0.002, 0.005, 0.01, 0.05, 0.1, 1, 10, 60, 600, 3600],
    registers: [this.registry],
  });

  readonly redisErrors = new Counter({
    name: 'c3po_redis_errors_total',
    help: 'Redis connection errors and commands failed because Redis was unavailable',
    registers: [this.registry],
  });

  readonly redisDataLoss = new Counter({
    name: 'c3po_redis_data_loss_total',
    help: 'Times Redis was found to have lost its data (the marker key vanished) while the coordinator ran',
    registers: [this.registry],
  });

  readonly httpResponses = new Counter({
    name: 'c3po_http_responses_total',
    help: 'HTTP responses by method, route and status code',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly auditRefusalsOmitted = new Counter({
    name: 'c3po_audit_refusals_omitted_total',
    help: 'Refused calls not written to the audit log, over C3PO_AUDIT_REFUSALS_PER_S',
    registers: [this.registry],
  });

  readonly pushes = new Counter({
    name: 'c3po_pushes_total',
    help: 'Notices pushed into Claude Code sessions (each may list several requests and answers)',
    registers: [this.registry],
  });

  readonly tasksClaimed = new Counter({
    name: 'c3po_tasks_claimed_total',
    help: 'Tasks claimed (claim_task, wait_for_task)',
    registers: [this.registry],
  });

  readonly tasksCompleted = new Counter({
    name: 'c3po_tasks_completed_total',
    help: 'Tasks completed',
    registers: [this.registry],
  });

  readonly taskLeasesExpired = new Counter({
    name: 'c3po_task_leases_expired_total',
    help: 'Task claims whose lease ran out with the claimer unseen, by what became of the task',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'c3po_' });
  }

  /** A gauge whose value is read when Prometheus scrapes. */
  gauge(name: string, help: string, read: () => number | Promise<number>): void {
    new Gauge({
      name,
      help,
      registers: [this.registry],
      async collect() {
        this.set(await read());
      },
    });
  }
}
