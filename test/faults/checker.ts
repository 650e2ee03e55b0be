import type { Agent } from '../support/mcp-clients.ts';
import type { History, SentRequest } from './history.ts';
import { expectedAnswer } from './simulated-agent.ts';

export type RequestClass = 'answered' | 'pending' | 'undeliverable' | 'lost';

/** What the coordinator says about a request now; null when it does not know it. */
interface Status {
  state: string;
  delivery_count?: number;
}

export interface Verdict {
  classes: Record<RequestClass, number>;
  /** Lost requests, each with why. */
  lost: string[];
  right: number;
  wrong: string[];
  /** Answered requests whose answer the sender only got in the checker's own last look. */
  answeredLate: number;
  /** Requests handed out more than once (delivery_count > 1, from the coordinator or an answerer). */
  redelivered: number;
}

/**
 * Classifies every request a sender got a request_id for, asking the coordinator as the
 * sender would (get_request_status). A request the sender saw no answer for but that is
 * answered is fetched with wait_for_response (timeout 0), so that its answer is checked too.
 */
export class Checker {
  private readonly senders: Map<string, Agent>;
  private readonly history: History;
  /** Requests classified pending, to be found in their addressee's inbox. */
  private readonly pending: SentRequest[] = [];

  constructor(senders: Map<string, Agent>, history: History) {
    this.senders = senders;
    this.history = history;
  }

  async run(): Promise<Verdict> {
    const verdict: Verdict = {
      classes: { answered: 0, pending: 0, undeliverable: 0, lost: 0 },
      lost: [],
      right: 0,
      wrong: [],
      answeredLate: 0,
      redelivered: 0,
    };
    const records = [...this.history.requests.values()];
    let next = 0;
    const worker = async () => {
      while (next < records.length) {
        const record = records[next++];
        await this.classify(record, verdict);
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    await this.checkPendingAreVisible(verdict);
    return verdict;
  }

  /**
   * A request the coordinator calls queued or delivered must be in its addressee's inbox:
   * one that is not will never be handed to anybody, so it is lost too.
   */
  private async checkPendingAreVisible(verdict: Verdict): Promise<void> {
    for (const [addressee, records] of groupBy(this.pending, (r) => r.to)) {
      const listed = new Set<string>();
      let cursor: string | undefined;
      for (let page = 0; page < 100; page++) {
        const result = await this.senders.get(addressee)!.ok('get_pending_requests', {
          limit: 100,
          ...(cursor && { cursor }),
        });
        (result.requests as { request_id: string }[]).forEach((r) => listed.add(r.request_id));
        cursor = result.next_cursor ?? undefined;
        if (!cursor) {
          break;
        }
      }
      for (const record of records.filter((r) => !listed.has(r.requestId))) {
        verdict.classes.pending--;
        verdict.classes.lost++;
        verdict.lost.push(
          `${record.requestId} (${record.from} → ${record.to}): pending, but not in get_pending_requests of ${addressee}`,
        );
      }
    }
  }

  private async classify(record: SentRequest, verdict: Verdict): Promise<void> {
    const sender = this.senders.get(record.from)!;
    const status = await this.status(sender, record.requestId);
    if (this.history.redelivered.has(record.requestId) || (status?.delivery_count ?? 0) > 1) {
      verdict.redelivered++;
    }
    if (record.answer === undefined && record.ended === undefined && status?.state === 'answered') {
      const fetched = await sender.call('wait_for_response', { request_id: record.requestId, timeout: 0 });
      if (!fetched.isError && fetched.data.status === 'answered') {
        record.answer = fetched.data.response as string;
        verdict.answeredLate++;
      }
    }
    let verdictClass: RequestClass;
    let why = '';
    if (status === null) {
      verdictClass = 'lost';
      why = `the coordinator does not know it${record.answer !== undefined ? ' (it had been answered)' : ''}`;
    } else if (record.ended?.startsWith('not found')) {
      verdictClass = 'lost';
      why = `the sender's wait said ${record.ended}`;
    } else if (record.answer !== undefined) {
      verdictClass = 'answered';
    } else if (record.ended === 'undeliverable' || status.state === 'undeliverable') {
      verdictClass = 'undeliverable';
    } else if (status.state === 'queued' || status.state === 'delivered') {
      verdictClass = 'pending';
      this.pending.push(record);
    } else {
      verdictClass = 'lost';
      why = `state ${status.state}${record.ended ? `, the sender's wait said ${record.ended}` : ''}, and nobody cancelled it`;
    }
    verdict.classes[verdictClass]++;
    if (verdictClass === 'lost') {
      verdict.lost.push(`${record.requestId} (${record.from} → ${record.to}): ${why}`);
    }
    if (record.answer !== undefined) {
      if (record.answer === expectedAnswer(record.requestId, record.message)) {
        verdict.right++;
      } else {
        verdict.wrong.push(
          `${record.requestId} (${record.from} → ${record.to}, "${record.message}") got "${record.answer}"`,
        );
      }
    }
  }

  private async status(sender: Agent, requestId: string): Promise<Status | null> {
    // The run is over, so any failure here is the coordinator's: no retries.
    const outcome = await sender.call('get_request_status', { request_id: requestId });
    if (outcome.isError) {
      if (/not found/.test(outcome.text)) {
        return null;
      }
      throw new Error(`get_request_status ${requestId}: ${outcome.text}`);
    }
    return outcome.data as Status;
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  items.forEach((item) => groups.set(key(item), [...(groups.get(key(item)) ?? []), item]));
  return groups;
}
