import { Agent, type ClientKind } from '../support/mcp-clients.ts';
import type { History, SentRequest } from './history.ts';
import { Random, sleep } from './random.ts';

/** What the coordinator may answer while it, or its Redis, is briefly away: call again. */
const TRANSIENT_ERROR = /unavailable|try again|restarting|internal server error|timed? ?out/i;
const TRANSIENT_STATUS = new Set(['restarting', 'unavailable']);
/** A call's own limit beyond the wait it asks for: past it the client gives up and calls again. */
const CALL_SLACK_MS = 20_000;

type Outcome =
  | { kind: 'ok'; data: Record<string, any> }
  | { kind: 'error'; text: string }
  | { kind: 'aborted' }
  | { kind: 'gave-up' };

interface CallPlan {
  /** Stop retrying after this time. */
  until: number;
  /** Abort the call this many ms after issuing it (a client cancelling a wait). */
  abortAfterMs?: number;
  /** Ends the call and the retries when it fires (end of the run). */
  stop?: AbortSignal;
  onRetry?: () => void;
}

/** The answer the checker expects for a request: only its addressee, knowing both, can give it. */
export function expectedAnswer(requestId: string, message: string): string {
  return `answer:${requestId}:${message}`;
}

/**
 * One agent as Claude would drive it: it asks random others and waits for their answers, and
 * answers what it is asked. A failed call (HTTP failure, "unavailable", "restarting") is made
 * again after a short pause, a send with the same target, message and context, so that the
 * coordinator can recognise it as a repeat.
 */
export class SimulatedAgent {
  readonly id: string;
  private readonly agent: Agent;
  private readonly history: History;
  private readonly random: Random;
  private readonly mine: SentRequest[] = [];
  private sent = 0;

  private constructor(agent: Agent, history: History, random: Random) {
    this.id = agent.id;
    this.agent = agent;
    this.history = history;
    this.random = random;
  }

  static async connect(url: string, id: string, kind: ClientKind, history: History, random: Random) {
    const agent = await Agent.connect(url, id, kind);
    // Known to the coordinator before anyone sends to it.
    await agent.ok('register_agent', { description: `fault suite agent (${kind})` });
    return new SimulatedAgent(agent, history, random);
  }

  get kind(): ClientKind {
    return this.agent.kind;
  }

  /** Until `until`: send a request to a random other agent, wait a while for its answer, repeat. */
  async ask(others: string[], until: number, hardUntil: number, abortRate: () => number): Promise<void> {
    while (Date.now() < until) {
      const target = this.random.pick(others);
      const n = ++this.sent;
      const message = `q:${this.id}:${n}:${this.random.int(0, 1e9).toString(36)}`;
      const record = await this.send(target, message, `asked by ${this.id}, question ${n}`, hardUntil);
      if (!record) {
        return;
      }
      // A patient sender, but not endlessly: an unanswered request stays on the list for the drain.
      const patience = Math.min(until, Date.now() + this.random.int(4000, 12000));
      await this.awaitAnswer(record, patience, abortRate);
      await sleep(this.random.int(20, 200));
    }
  }

  /** Waits for every answer still missing, in parallel, until all have ended or `until`. */
  async collect(until: number): Promise<void> {
    await Promise.all(this.mine.filter((r) => !settled(r)).map((r) => this.awaitAnswer(r, until, () => 0)));
  }

  unsettled(): number {
    return this.mine.filter((r) => !settled(r)).length;
  }

  /** Until stopped: take the next request and answer it with the answer the checker expects. */
  async answer(stop: AbortSignal, hardUntil: number, abortRate: () => number): Promise<void> {
    while (!stop.aborted && Date.now() < hardUntil) {
      const timeout = this.random.int(1, 4);
      const abortAfterMs = this.random.chance(abortRate()) ? this.random.int(0, timeout * 1000) : undefined;
      const outcome = await this.call('wait_for_request', { timeout }, { until: hardUntil, abortAfterMs, stop });
      if (outcome.kind === 'aborted') {
        this.history.faults.waitForRequestAborts++;
        continue;
      }
      if (outcome.kind !== 'ok' || outcome.data.status !== 'received') {
        if (outcome.kind === 'error') {
          this.history.anomaly('wait_for_request failed', outcome.text);
          await sleep(200);
        }
        continue;
      }
      const request = outcome.data.request as { request_id: string; message: string; delivery_count?: number };
      if ((request.delivery_count ?? 1) > 1) {
        this.history.redelivered.add(request.request_id);
      }
      const response = expectedAnswer(request.request_id, request.message);
      const answered = await this.call(
        'respond_to_request',
        { request_id: request.request_id, response },
        { until: hardUntil },
      );
      if (answered.kind === 'error' && !/already answered/.test(answered.text)) {
        this.history.anomaly('respond_to_request failed', `${request.request_id}: ${answered.text}`);
      }
    }
  }

  /**
   * A session of this agent that takes one request and dies without answering, as a Claude
   * Code session killed mid-task would. Returns the request it took, if any.
   */
  static async dieWithRequest(url: string, id: string, kind: ClientKind, until: number): Promise<string | undefined> {
    let agent: Agent | undefined;
    try {
      while (!agent && Date.now() < until) {
        agent = await Agent.connect(url, id, kind).catch(() => sleep(300).then(() => undefined));
      }
      while (agent && Date.now() < until) {
        const result = await agent.call('wait_for_request', { timeout: 2 }).catch(() => undefined);
        if (result && !result.isError && result.data.status === 'received') {
          return result.data.request.request_id as string;
        }
        await sleep(200);
      }
      return undefined;
    } finally {
      await agent?.close().catch(() => undefined);
    }
  }

  close(): Promise<void> {
    return this.agent.close().catch(() => undefined);
  }

  private async send(target: string, message: string, context: string, until: number) {
    let repeated = false;
    while (Date.now() < until) {
      const outcome = await this.call(
        'send_request',
        { target, message, context },
        { until, onRetry: () => (repeated = true) },
      );
      if (outcome.kind === 'ok') {
        if (outcome.data.duplicate === true) {
          this.history.duplicates++;
          if (!repeated) {
            this.history.anomaly('first send answered duplicate:true', `${this.id} → ${target}: ${message}`);
          }
        }
        const record: SentRequest = { requestId: outcome.data.request_id, from: this.id, to: target, message };
        const known = this.history.requests.get(record.requestId);
        if (known) {
          // Two different questions under one id: the second would be checked against the first's answer.
          this.history.anomaly('request_id given twice', `${record.requestId}: ${known.message} / ${message}`);
          return undefined;
        }
        this.history.requests.set(record.requestId, record);
        this.mine.push(record);
        return record;
      }
      if (outcome.kind === 'error') {
        this.history.anomaly('send_request failed', outcome.text);
        this.history.sendRetries++;
        repeated = true;
        await sleep(this.random.int(100, 400));
      }
    }
    return undefined;
  }

  private async awaitAnswer(record: SentRequest, until: number, abortRate: () => number): Promise<void> {
    while (!settled(record) && Date.now() < until) {
      const timeout = Math.max(1, Math.min(this.random.int(1, 5), Math.ceil((until - Date.now()) / 1000)));
      const abortAfterMs = this.random.chance(abortRate()) ? this.random.int(0, timeout * 1000) : undefined;
      const outcome = await this.call(
        'wait_for_response',
        { request_id: record.requestId, timeout },
        { until, abortAfterMs },
      );
      switch (outcome.kind) {
        case 'aborted':
          this.history.faults.waitForResponseAborts++;
          break;
        case 'error':
          if (/not found|expired/.test(outcome.text)) {
            record.ended = `not found: ${outcome.text}`;
          } else {
            this.history.anomaly('wait_for_response failed', `${record.requestId}: ${outcome.text}`);
            await sleep(200);
          }
          break;
        case 'ok':
          if (outcome.data.status === 'answered') {
            record.answer = outcome.data.response;
          } else if (outcome.data.status !== 'timeout') {
            record.ended = outcome.data.status;
          }
          break;
      }
    }
  }

  /** One tool call, made again after a short pause for as long as it fails for a passing reason. */
  private async call(tool: string, args: Record<string, unknown>, plan: CallPlan): Promise<Outcome> {
    const waitMs = typeof args.timeout === 'number' ? args.timeout * 1000 : 0;
    while (Date.now() < plan.until && !plan.stop?.aborted) {
      const controller = new AbortController();
      let cancelledByUs = false;
      const timers = [setTimeout(() => controller.abort(), waitMs + CALL_SLACK_MS)];
      if (plan.abortAfterMs !== undefined) {
        timers.push(
          setTimeout(() => {
            cancelledByUs = true;
            controller.abort();
          }, plan.abortAfterMs),
        );
      }
      const signal = plan.stop ? AbortSignal.any([controller.signal, plan.stop]) : controller.signal;
      let cause: string;
      try {
        const outcome = await this.agent.call(tool, args, { signal });
        if (!outcome.isError) {
          if (!TRANSIENT_STATUS.has(outcome.data.status)) {
            return { kind: 'ok', data: outcome.data };
          }
          cause = `${tool} → status ${outcome.data.status}`;
        } else if (TRANSIENT_ERROR.test(outcome.text)) {
          cause = `${tool} → tool error: ${outcome.text.slice(0, 60)}`;
        } else {
          return { kind: 'error', text: outcome.text };
        }
      } catch (error) {
        if (cancelledByUs) {
          return { kind: 'aborted' };
        }
        if (plan.stop?.aborted) {
          break;
        }
        cause = `${tool} → thrown: ${describe(error)}`;
      } finally {
        timers.forEach(clearTimeout);
      }
      this.history.retried(cause);
      if (tool === 'send_request') {
        this.history.sendRetries++;
        plan.onRetry?.();
      }
      // Later attempts of this call are not cancelled again: one abort per wait is the fault.
      plan = { ...plan, abortAfterMs: undefined };
      await sleep(this.random.int(100, 400));
    }
    return { kind: 'gave-up' };
  }
}

function settled(record: SentRequest): boolean {
  return record.answer !== undefined || record.ended !== undefined;
}

/** A short, stable label for a thrown error, so that retries group by cause. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (/coordinator connection failed/.test(message)) {
    return 'proxy 502: the coordinator went away mid-call';
  }
  if (/no coordinator accepts connections/.test(message)) {
    return 'proxy 502: no coordinator up';
  }
  const status = /HTTP (\d{3})|status (\d{3})|\b(50\d)\b/.exec(message);
  if (status) {
    return `HTTP ${status[1] ?? status[2] ?? status[3]}`;
  }
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  return cause ?? message.replace(/\s+/g, ' ').slice(0, 80);
}
