/** What a sender knows about one request it sent and got a request_id for. */
export interface SentRequest {
  requestId: string;
  from: string;
  to: string;
  message: string;
  /** The response the sender saw from wait_for_response, if any. */
  answer?: string;
  /** A final state other than answered that the sender's wait reported, or "not found". */
  ended?: string;
}

export interface FaultCounts {
  coordinatorKills: number;
  coordinatorRestarts: number;
  redisKills: number;
  redisRestarts: number;
  pauses: number;
  waitForRequestAborts: number;
  waitForResponseAborts: number;
  /** Sessions that took a request with wait_for_request and closed without answering. */
  deadAgents: number;
}

/** Everything the clients saw during a run, for the checker. */
export class History {
  readonly requests = new Map<string, SentRequest>();
  readonly faults: FaultCounts = {
    coordinatorKills: 0,
    coordinatorRestarts: 0,
    redisKills: 0,
    redisRestarts: 0,
    pauses: 0,
    waitForRequestAborts: 0,
    waitForResponseAborts: 0,
    deadAgents: 0,
  };
  /** Requests an answerer received with delivery_count > 1. */
  readonly redelivered = new Set<string>();
  /** Requests a dead session took and never answered. */
  readonly takenByDead = new Set<string>();
  /** send_request calls repeated after a failure (same target, message and context). */
  sendRetries = 0;
  /** Repeated sends the coordinator answered with duplicate:true. */
  duplicates = 0;
  /** Failed calls retried after a pause, by what failed. */
  readonly retries = new Map<string, number>();
  /** Results no well-behaved coordinator gives (kept for the report, a few of each kind). */
  readonly anomalies = new Map<string, string[]>();

  retried(cause: string): void {
    this.retries.set(cause, (this.retries.get(cause) ?? 0) + 1);
  }

  anomaly(kind: string, detail: string): void {
    const list = this.anomalies.get(kind) ?? [];
    list.push(detail);
    this.anomalies.set(kind, list);
  }
}
