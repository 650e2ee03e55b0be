import { Redis } from 'ioredis';
import type { Agent } from '../support/mcp-clients.js';

/** What two agents stored before the fuzzing, as they see it and as Redis holds it. */
export interface RequestsSnapshot {
  /** get_request_status, get_request and get_conversation results, by the agents that may read them. */
  views: Record<string, unknown>;
  /** Every key of these requests and conversations, dumped by type. */
  redis: Record<string, unknown>;
}

/**
 * A handful of requests between two real MCP clients, in every state a fuzzer might disturb:
 * answered, delivered (leased), queued, cancelled, and one each way. The fuzzer may aim at their
 * ids but never calls as their owners without their key, so nothing here may change.
 */
export class PreFuzzRequests {
  readonly requestIds: string[] = [];
  readonly conversationIds: string[] = [];
  /** Who reads each request for the snapshot: its sender (an addressee's read would renew a lease). */
  private readonly senders = new Map<string, Agent>();
  private readonly alice: Agent;
  private readonly bob: Agent;
  private readonly prefix: string;

  private constructor(alice: Agent, bob: Agent, prefix: string) {
    this.alice = alice;
    this.bob = bob;
    this.prefix = prefix;
  }

  /** `alice` and `bob` are connected clients of two different agents. */
  static async store(alice: Agent, bob: Agent, prefix: string): Promise<PreFuzzRequests> {
    const stored = new PreFuzzRequests(alice, bob, prefix);
    await stored.fill();
    return stored;
  }

  private async fill(): Promise<void> {
    const { alice, bob } = this;
    const answered = await alice.ok('send_request', {
      target: bob.id,
      message: 'What does the lease sweep do? 👩‍💻 e\u0301 \u202E',
      context: 'src/requests/delivery.service.ts',
    });
    await bob.ok('get_pending_requests', {});
    await bob.ok('respond_to_request', { request_id: answered.request_id, response: 'It requeues expired leases.' });

    const followUp = await alice.ok('send_request', {
      target: bob.id,
      message: 'And how often?',
      conversation_id: answered.conversation_id,
    });
    const delivered = await bob.ok('wait_for_request', { timeout: 5 });
    const queued = await alice.ok('send_request', {
      target: bob.id,
      message: 'Still queued',
      idempotency_key: 'pre-fuzz-queued',
    });
    const cancelled = await alice.ok('send_request', { target: bob.id, message: 'Never mind' });
    await alice.ok('cancel_request', { request_id: cancelled.request_id });
    const reverse = await bob.ok('send_request', { target: alice.id, message: 'Your turn to answer' });

    for (const sent of [answered, followUp, queued, cancelled]) {
      this.senders.set(sent.request_id, alice);
    }
    this.senders.set(reverse.request_id, bob);
    this.requestIds.push(...this.senders.keys());
    expect(delivered.request.request_id).toBe(followUp.request_id);
    this.conversationIds.push(
      ...new Set([answered, queued, cancelled, reverse].map((sent) => sent.conversation_id as string)),
    );
  }

  /** Reads through the owners' own clients and straight from Redis. */
  async snapshot(): Promise<RequestsSnapshot> {
    const views: Record<string, unknown> = {};
    for (const requestId of this.requestIds) {
      const sender = this.senders.get(requestId)!;
      views[`status ${requestId}`] = await sender.ok('get_request_status', { request_id: requestId });
      views[`request ${requestId}`] = await sender.ok('get_request', { request_id: requestId });
    }
    for (const conversationId of this.conversationIds) {
      views[`conversation ${conversationId}`] = await this.alice.ok('get_conversation', {
        conversation_id: conversationId,
      });
    }
    return { views, redis: await this.dumpRedis() };
  }

  private async dumpRedis(): Promise<Record<string, unknown>> {
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const base = `{${this.prefix}}:`;
      const keys = [
        ...this.requestIds.map((id) => `${base}req:${id}`),
        ...this.conversationIds.flatMap((id) => [
          `${base}conv:${id}`,
          `${base}conv:${id}:members`,
          `${base}conv:${id}:turns`,
        ]),
      ];
      const dump: Record<string, unknown> = {};
      for (const key of keys) {
        dump[key] = await dumpKey(redis, key);
      }
      return dump;
    } finally {
      redis.disconnect();
    }
  }
}

async function dumpKey(redis: Redis, key: string): Promise<unknown> {
  switch (await redis.type(key)) {
    case 'hash':
      return redis.hgetall(key);
    case 'set':
      return (await redis.smembers(key)).sort();
    case 'zset':
      return redis.zrange(key, '0', '-1', 'WITHSCORES');
    case 'list':
      return redis.lrange(key, 0, -1);
    case 'string':
      return redis.get(key);
    case 'none':
      return null;
    default:
      return `unexpected type of ${key}`;
  }
}
