import { Redis } from 'ioredis';
import type { Agent } from '../support/mcp-clients.js';

/** The board the pre-fuzz tasks are on; the fuzzer aims at it, by name and by its task ids. */
export const PRE_FUZZ_BOARD = 'pre-fuzz';
/** A topic the owners' subscriber reads; the fuzzer publishes and subscribes to it too. */
export const PRE_FUZZ_TOPIC = 'pre-fuzz.builds';
/** Paths the owner reserved, exclusively: the fuzzer reserves inside them (and is refused). */
export const PRE_FUZZ_PATHS = ['src/db/**', 'docs/schema.md'];

/** What the owners of the shared team state see of it, and what Redis holds of it. */
export interface TeamStateSnapshot {
  views: Record<string, unknown>;
  redis: Record<string, unknown>;
}

/**
 * Task fields any agent may change (SECURITY.md: anyone may rewrite a task that is not done,
 * but not the dependencies of a claimed one, and only the claimer may close it), by the state
 * the pre-fuzz task is in: whatever a fuzz caller may change is left out of the snapshot.
 */
const MUTABLE_BY_ANYONE: Record<string, string[]> = {
  done: [],
  claimed: ['description', 'priority'],
  available: [
    'description',
    'priority',
    'depends_on',
    'waiting_for',
    'status',
    'assignee',
    'attempts',
    'claimed_at',
    'lease_until',
    'lease_expires_at',
    'completed_at',
    'result',
    'failed_at',
    'reason',
  ],
};

/**
 * Team state stored before the fuzzing by two agents the fuzzer never calls as (with keys on,
 * it lacks their keys): a planned board with a chain of dependent tasks (one done, one claimed,
 * one waiting), a message awaiting its addressee's ack, a topic subscription, a finding and an
 * exclusive file reservation. The fuzzer aims at all of their ids; only what the owners alone
 * may change is compared after it.
 */
export class PreFuzzTeamState {
  readonly taskIds: string[] = [];
  readonly messageIds: string[] = [];
  /** Each task's state when stored, which decides what fuzz callers may change of it. */
  private readonly taskStates = new Map<string, string>();
  private findingId = '';
  private readonly alice: Agent;
  private readonly bob: Agent;
  private readonly prefix: string;

  private constructor(alice: Agent, bob: Agent, prefix: string) {
    this.alice = alice;
    this.bob = bob;
    this.prefix = prefix;
  }

  /** `alice` and `bob` are connected clients of two different agents. */
  static async store(alice: Agent, bob: Agent, prefix: string): Promise<PreFuzzTeamState> {
    const stored = new PreFuzzTeamState(alice, bob, prefix);
    await stored.fill();
    return stored;
  }

  private async fill(): Promise<void> {
    const { alice, bob } = this;
    const board = PRE_FUZZ_BOARD;
    await alice.ok('set_plan', { board, goal: 'Move to the new schema', plan: '1. design\n2. migrate\n3. review' });
    const design = await alice.ok('create_task', {
      board,
      title: 'Design the schema',
      description: 'Tables and keys for the new model 👩‍💻',
      priority: 8,
      files: ['src/db/schema.ts'],
    });
    const migrate = await alice.ok('create_task', {
      board,
      title: 'Write the migration',
      description: 'Up and down',
      depends_on: [design.task.task_id],
      hints: 'see docs/schema.md',
    });
    const review = await alice.ok('create_task', {
      board,
      title: 'Review the migration',
      description: 'Check it runs twice',
      priority: 3,
      depends_on: [migrate.task.task_id],
    });
    await alice.ok('claim_task', { task_id: design.task.task_id });
    await alice.ok('complete_task', { task_id: design.task.task_id, result: 'schema in docs/schema.md' });
    const claimed = await bob.ok('claim_task', { task_id: migrate.task.task_id });
    expect(claimed.task).toMatchObject({ status: 'claimed', assignee: bob.id });
    this.taskStates.set(design.task.task_id, 'done');
    this.taskStates.set(migrate.task.task_id, 'claimed');
    this.taskStates.set(review.task.task_id, 'available');
    this.taskIds.push(...this.taskStates.keys());

    await bob.ok('subscribe', { topic: PRE_FUZZ_TOPIC });
    const published = await alice.ok('publish', {
      to: bob.id,
      type: 'REVIEW_REQUEST',
      subject: 'Please review the schema',
      body: 'It is in docs/schema.md',
      priority: 8,
      ack_required: true,
    });
    this.messageIds.push(published.id as string);
    // Shown to bob, so it now awaits his ack.
    const shown = await bob.ok('check_messages', {});
    expect(JSON.stringify(shown)).toContain(`"${published.id}"`);

    const added = await alice.ok('add_finding', {
      text: 'The orders table needs an index on customer_id',
      tags: ['schema', 'perf'],
      files: ['src/db/schema.ts'],
    });
    this.findingId = added.finding.id as string;
    await alice.ok('reserve_files', { paths: PRE_FUZZ_PATHS, ttl_s: 3600, exclusive: true, reason: 'migrating' });
  }

  /** Reads through the owners' own clients (calls that change nothing) and straight from Redis. */
  async snapshot(): Promise<TeamStateSnapshot> {
    const { alice, bob } = this;
    const views: Record<string, unknown> = {};
    for (const owner of [alice, bob]) {
      // Only the owners' own claims and results: no fuzz caller can become their assignee.
      const { tasks } = await alice.ok('list_tasks', { board: PRE_FUZZ_BOARD, assignee: owner.id, limit: 100 });
      views[`tasks of ${owner.id}`] = (tasks as Record<string, unknown>[]).map((task) => this.immutable(task));
    }
    // Only alice publishes as alice; the timeline shows her direct message with its acks.
    views['timeline from alice'] = await alice.ok('get_timeline', { from: alice.id, limit: 100 });
    const { findings } = await alice.ok('search_findings', { query: 'orders index customer_id', limit: 50 });
    views.finding = (findings as { id: string }[]).find((finding) => finding.id === this.findingId);
    views['reservations of alice'] = await bob.ok('list_reservations', { agent: alice.id });
    return { views, redis: await this.dumpRedis() };
  }

  /** The task without the fields a fuzz caller may change in its pre-fuzz state. */
  private immutable(task: Record<string, unknown>): Record<string, unknown> {
    const mutable = MUTABLE_BY_ANYONE[this.taskStates.get(task.task_id as string) ?? 'available'];
    return Object.fromEntries(Object.entries(task).filter(([field]) => !mutable.includes(field)));
  }

  private async dumpRedis(): Promise<Record<string, unknown>> {
    const redis = new Redis(process.env.REDIS_URL!);
    try {
      const base = `{${this.prefix}}:`;
      const dump: Record<string, unknown> = {};
      for (const taskId of this.taskIds) {
        dump[`task ${taskId}`] = this.immutable(await redis.hgetall(`${base}task:${taskId}`));
        dump[`${taskId} on its board`] = await redis.zscore(`${base}board:${PRE_FUZZ_BOARD}:tasks`, taskId);
      }
      const [done, claimed] = this.taskIds;
      dump['done task done'] = await redis.zscore(`${base}board:${PRE_FUZZ_BOARD}:done`, done);
      dump['claimed task claimed'] = await redis.zscore(`${base}board:${PRE_FUZZ_BOARD}:claimed`, claimed);
      for (const messageId of this.messageIds) {
        const key = `${base}msg:${messageId}`;
        dump[key] = await redis.hgetall(key);
        dump[`${key}:rcpt`] = await redis.hgetall(`${key}:rcpt`);
        dump[`${key}:acks`] = await redis.zrange(`${key}:acks`, '0', '-1', 'WITHSCORES');
        dump[`${key}:ack-comments`] = await redis.hgetall(`${key}:ack-comments`);
        // Fuzz callers may add to bob's mailbox (a broadcast), not take this out of it.
        dump[`${messageId} in bob's mailbox`] = await redis.zscore(`${base}mailbox:${this.bob.id}`, messageId);
      }
      dump[`subscriptions of bob`] = (await redis.smembers(`${base}subs:${this.bob.id}`)).sort();
      dump[`bob subscribed to ${PRE_FUZZ_TOPIC}`] = await redis.sismember(
        `${base}topic:${PRE_FUZZ_TOPIC}:subs`,
        this.bob.id,
      );
      dump[`finding ${this.findingId}`] = await redis.hgetall(`${base}finding:${this.findingId}`);
      for (const path of PRE_FUZZ_PATHS) {
        const field = `${this.alice.id}\n${path}`;
        dump[`reservation ${path}`] = await redis.hget(`${base}reservations`, field);
        dump[`reservation ${path} expiry`] = await redis.zscore(`${base}reservation-expiry`, field);
      }
      return dump;
    } finally {
      redis.disconnect();
    }
  }
}
