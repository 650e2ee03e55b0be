import { HttpException } from '@nestjs/common';
import fc from 'fast-check';
import type { Redis } from 'ioredis';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { TaskSweeperService } from '../src/tasks/task-sweeper.service.js';
import { TASK_STATUSES, TaskStatus, TaskView } from '../src/tasks/task-record.js';
import { TasksService } from '../src/tasks/tasks.service.js';
import { Coordinator, startCoordinator } from './support/coordinator.js';

/**
 * Random sequences of create / claim (best and by id) / complete / fail (retry or not) /
 * release / update / lease expiry by random agents, run against the real service and Redis,
 * and checked after every step two ways: against a model of the state machine (which calls
 * succeed, and what each task then is), and against invariants read from Redis itself.
 */

const AGENTS = ['ann', 'ben', 'cat', 'dan'];
const MAX_ATTEMPTS = 2;
const RUNS = Number(process.env.TASK_PROPERTY_RUNS ?? 1000);
const MAX_COMMANDS = 40;

type Command =
  | { kind: 'create'; agent: string; priority: number; deps: number[]; unknown: boolean }
  | { kind: 'claimBest'; agent: string }
  | { kind: 'claimId'; agent: string; target: number }
  | { kind: 'complete' | 'release'; actor: string | null; target: number; claimedOnly: boolean }
  | { kind: 'fail'; actor: string | null; target: number; claimedOnly: boolean; retry: boolean }
  | { kind: 'update'; target: number; priority: number | null; deps: number[] | null; unknown: boolean }
  | { kind: 'expire'; target: number; active: boolean };

/** What the model expects of a task. */
interface ModelTask {
  id: string;
  seq: number;
  status: TaskStatus;
  priority: number;
  deps: string[];
  assignee: string | null;
  attempts: number;
}

/** A board as read back from Redis: the tasks, and the indexes beside them. */
interface Snapshot {
  tasks: Map<string, TaskView>;
  counts: Record<TaskStatus, number>;
  byStatus: Record<TaskStatus, string[]>;
  ready: string[];
  leased: Set<string>;
  dependents: Map<string, string[]>;
}

const agent = fc.constantFrom(...AGENTS);
/** null: the task's assignee (when it has one), so that most completions and releases are legal. */
const actor = fc.oneof({ arbitrary: fc.constant(null), weight: 3 }, { arbitrary: agent, weight: 1 });
const priority = fc.integer({ min: 1, max: 10 });
const indexes = fc.uniqueArray(fc.nat({ max: 50 }), { maxLength: 3 });
/** Now and then a dependency that is no task of the board, which must be refused. */
const unknown = fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 });
/** An id no run reaches. */
const UNKNOWN_ID = 'task-999999999';
const command: fc.Arbitrary<Command> = fc.oneof(
  {
    arbitrary: fc.record({ kind: fc.constant('create' as const), agent, priority, deps: indexes, unknown }),
    weight: 4,
  },
  { arbitrary: fc.record({ kind: fc.constant('claimBest' as const), agent }), weight: 3 },
  { arbitrary: fc.record({ kind: fc.constant('claimId' as const), agent, target: fc.nat() }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constantFrom('complete' as const, 'release' as const),
      actor,
      target: fc.nat(),
      claimedOnly: fc.boolean(),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('fail' as const),
      actor,
      target: fc.nat(),
      claimedOnly: fc.boolean(),
      retry: fc.boolean(),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('update' as const),
      target: fc.nat(),
      priority: fc.option(priority),
      deps: fc.option(indexes),
      unknown,
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('expire' as const), target: fc.nat(), active: fc.boolean() }), weight: 2 },
);

/** The moves the state machine allows (staying put included). */
const ALLOWED: Record<TaskStatus, TaskStatus[]> = {
  available: ['available', 'claimed'],
  claimed: ['claimed', 'available', 'done', 'failed'],
  done: ['done'],
  failed: ['failed'],
};

describe('task board properties', () => {
  let coordinator: Coordinator;
  let tasks: TasksService;
  let sweeper: TaskSweeperService;
  let redis: Redis;
  let keys: RedisKeys;
  const seenIds = new Set<string>();
  let runs = 0;
  let commands = 0;
  const outcomes: Record<string, number> = {};

  beforeAll(async () => {
    coordinator = await startCoordinator({
      // Sweeps run only when a step forces a lease to expire.
      C3PO_LEASE_SWEEP_MS: '3600000',
      C3PO_TASK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      // A board per run.
      C3PO_MAX_BOARDS: '100000',
    });
    tasks = coordinator.app.get(TasksService);
    sweeper = coordinator.app.get(TaskSweeperService);
    redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    keys = coordinator.app.get(RedisKeys);
    for (const id of AGENTS) {
      await redis.hset(keys.agent(id), 'agent_id', id, 'last_seen', Date.now());
    }
  });

  afterAll(async () => {
    // The figures for the closing note of the issue.
    console.log(
      `task properties: ${runs} runs, ${commands} commands, ${seenIds.size} tasks created; outcomes ${JSON.stringify(outcomes)}`,
    );
    await coordinator.close();
  });

  async function snapshot(board: string): Promise<Snapshot> {
    const all = new Map<string, TaskView>();
    let cursor: string | undefined;
    do {
      const page = await tasks.list({ board, limit: 100, cursor });
      page.tasks.forEach((task) => all.set(task.task_id, task));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const { counts } = await tasks.board(board, { limit: 1 });
    const pipeline = redis.pipeline();
    TASK_STATUSES.forEach((status) => pipeline.zrange(keys.boardIndex(board, status), '0', '-1'));
    pipeline.zrange(keys.boardIndex(board, 'ready'), '0', '-1');
    pipeline.zrange(keys.taskLeases, '0', '-1');
    [...all.keys()].forEach((id) => pipeline.smembers(keys.taskDependents(id)));
    const replies = ((await pipeline.exec()) ?? []).map(([error, value]) => {
      if (error) {
        throw error;
      }
      return value as string[];
    });
    const byStatus = Object.fromEntries(TASK_STATUSES.map((status, i) => [status, replies[i]])) as Snapshot['byStatus'];
    const dependents = new Map([...all.keys()].map((id, i) => [id, replies[6 + i]]));
    return { tasks: all, counts, byStatus, ready: replies[4], leased: new Set(replies[5]), dependents };
  }

  /** Everything that must hold of any board, whatever happened to it. */
  function checkInvariants(before: Snapshot, after: Snapshot): void {
    const statusOf = (id: string) => after.tasks.get(id)?.status;
    const tally = Object.fromEntries(TASK_STATUSES.map((status) => [status, 0])) as Record<TaskStatus, number>;
    for (const [id, task] of after.tasks) {
      tally[task.status]++;
      expect(id).toMatch(/^task-\d+$/);
      expect(Number.isInteger(task.priority) && task.priority >= 1 && task.priority <= 10).toBe(true);
      const previous = before.tasks.get(id);
      if (previous) {
        expect(ALLOWED[previous.status]).toContain(task.status);
      } else {
        expect(task.status).toBe('available');
      }
      // Dependencies name tasks of the board, and what it waits for is exactly those not done.
      task.depends_on.forEach((dep) => expect(after.tasks.has(dep)).toBe(true));
      expect(task.waiting_for).toEqual(task.depends_on.filter((dep) => statusOf(dep) !== 'done').sort(byNumber));
      task.depends_on.forEach((dep) => expect(after.dependents.get(dep)).toContain(id));
      // A claimed task has one assignee, a lease, and all its dependencies done.
      if (task.status === 'claimed') {
        expect(task.assignee).toEqual(expect.any(String));
        expect(task.lease_expires_at).not.toBeNull();
        expect(task.waiting_for).toEqual([]);
        expect(after.leased.has(id)).toBe(true);
      } else {
        expect(after.leased.has(id)).toBe(false);
        expect(task.lease_expires_at).toBeNull();
      }
      if (task.status === 'available') {
        expect(task.assignee).toBeNull();
      }
      if (task.status === 'done') {
        expect(task.result).not.toBeNull();
        expect(task.completed_at).not.toBeNull();
      }
      expect(after.ready.includes(id)).toBe(task.status === 'available' && task.waiting_for.length === 0);
    }
    for (const [id, dependents] of after.dependents) {
      dependents.forEach((dependent) => expect(after.tasks.get(dependent)!.depends_on).toContain(id));
    }
    // Counts by status match the tasks, and so do the status indexes.
    expect(after.counts).toEqual(tally);
    for (const status of TASK_STATUSES) {
      expect(after.byStatus[status].sort(byNumber)).toEqual(
        [...after.tasks.values()].filter((task) => task.status === status).map((task) => task.task_id),
      );
    }
    expect(cycleIn(after.tasks)).toBeNull();
  }

  /** Runs one command against the service and the model; checks they agree. */
  async function step(board: string, model: ModelTask[], cmd: Command): Promise<void> {
    const pick = (target: number, claimedOnly: boolean) => {
      const pool = claimedOnly ? model.filter((task) => task.status === 'claimed') : model;
      return pool.length === 0 ? undefined : pool[target % pool.length];
    };
    const isDone = (id: string) => model.find((task) => task.id === id)!.status === 'done';
    const claimable = (task: ModelTask) => task.status === 'available' && task.deps.every(isDone);
    const record = (outcome: string) =>
      (outcomes[`${cmd.kind}:${outcome}`] = (outcomes[`${cmd.kind}:${outcome}`] ?? 0) + 1);
    /** Runs `call`, expecting it to succeed (`refusal` undefined) or to be refused with a matching message. */
    const expectOutcome = async <T>(call: () => Promise<T>, refusal?: RegExp): Promise<T | undefined> => {
      try {
        const result = await call();
        if (refusal) {
          throw new Error(`${cmd.kind} succeeded, but the model expected a refusal matching ${refusal}`);
        }
        record('ok');
        return result;
      } catch (error) {
        if (!(error instanceof HttpException) || !refusal) {
          throw error;
        }
        expect(error.message).toMatch(refusal);
        record(`refused (${refusal.source.replace(/\|/g, ' / ').replace(/[^a-z /]/g, '')})`);
        return undefined;
      }
    };

    switch (cmd.kind) {
      case 'create': {
        const deps = [...new Set(cmd.deps.filter(() => model.length > 0).map((i) => model[i % model.length].id))];
        const task = await expectOutcome(
          () =>
            tasks.create(cmd.agent, {
              board,
              title: 't',
              description: 'd',
              priority: cmd.priority,
              depends_on: cmd.unknown ? [...deps, UNKNOWN_ID] : deps,
            }),
          cmd.unknown ? /which is not a task of board/ : undefined,
        );
        if (!task) {
          return;
        }
        // Ids never collide, across every board and run.
        expect(seenIds.has(task.task_id)).toBe(false);
        seenIds.add(task.task_id);
        model.push({
          id: task.task_id,
          seq: Number(task.task_id.slice(5)),
          status: 'available',
          priority: cmd.priority,
          deps,
          assignee: null,
          attempts: 0,
        });
        return;
      }
      case 'claimBest': {
        const best = model
          .filter(claimable)
          .sort((a, b) => b.priority - a.priority || a.seq - b.seq)
          .at(0);
        const claimed = (await expectOutcome(() => tasks.claim(cmd.agent, { board })))!;
        expect(claimed.task?.task_id ?? null).toBe(best?.id ?? null);
        if (best) {
          Object.assign(best, { status: 'claimed', assignee: cmd.agent, attempts: best.attempts + 1 });
        }
        return;
      }
      case 'claimId': {
        const task = pick(cmd.target, false);
        if (!task) {
          return;
        }
        const refusal = claimable(task)
          ? undefined
          : task.status === 'available'
            ? /waits for/
            : task.status === 'claimed'
              ? /already hold|is claimed by/
              : task.status === 'done'
                ? /is done/
                : /failed for good/;
        if (await expectOutcome(() => tasks.claim(cmd.agent, { board, task_id: task.id }), refusal)) {
          Object.assign(task, { status: 'claimed', assignee: cmd.agent, attempts: task.attempts + 1 });
        }
        return;
      }
      case 'complete':
      case 'fail':
      case 'release': {
        const task = pick(cmd.target, cmd.claimedOnly);
        if (!task) {
          return;
        }
        const who = cmd.actor ?? task.assignee ?? AGENTS[0];
        const repeat = cmd.kind === 'complete' && task.status === 'done' && task.assignee === who;
        const refusal =
          repeat || (task.status === 'claimed' && task.assignee === who)
            ? undefined
            : task.status === 'claimed'
              ? /only its assignee/
              : task.status === 'available'
                ? /is not claimed/
                : task.status === 'done'
                  ? /is done/
                  : /failed for good/;
        const retry = cmd.kind === 'fail' && cmd.retry;
        const done = await expectOutcome(async () => {
          if (cmd.kind === 'complete') {
            return tasks.complete(who, task.id, `result of ${who}`);
          }
          return cmd.kind === 'fail'
            ? (await tasks.fail(who, task.id, 'broke', retry)).task
            : tasks.release(who, task.id);
        }, refusal);
        if (done && !repeat) {
          if (cmd.kind === 'complete') {
            task.status = 'done';
          } else if (cmd.kind === 'fail' && !(retry && task.attempts < MAX_ATTEMPTS)) {
            task.status = 'failed';
          } else {
            Object.assign(task, { status: 'available', assignee: null });
          }
        }
        return;
      }
      case 'update': {
        const task = pick(cmd.target, false);
        if (!task || (cmd.priority === null && cmd.deps === null)) {
          return;
        }
        const deps = cmd.deps && [
          ...new Set([...cmd.deps.map((i) => model[i % model.length].id), ...(cmd.unknown ? [UNKNOWN_ID] : [])]),
        ];
        const refusal =
          task.status === 'done'
            ? /is done/
            : deps === null
              ? undefined
              : task.status === 'claimed'
                ? /dependencies can change only while nobody holds it/
                : deps.includes(task.id)
                  ? /cannot depend on itself/
                  : cmd.unknown
                    ? /which is not a task of board/
                    : deps.some((dep) => reaches(model, dep, task.id))
                      ? /would make a cycle/
                      : undefined;
        const updated = await expectOutcome(
          () =>
            tasks.update('ann', task.id, {
              ...(cmd.priority !== null && { priority: cmd.priority }),
              ...(deps && { depends_on: deps }),
            }),
          refusal,
        );
        if (updated) {
          task.priority = cmd.priority ?? task.priority;
          task.deps = deps ?? task.deps;
        }
        return;
      }
      case 'expire': {
        const task = pick(cmd.target, true);
        if (!task) {
          return;
        }
        // The lease is past, and the claimer was (or was not) seen since it began.
        await redis.hset(keys.agent(task.assignee!), 'last_seen', cmd.active ? Date.now() : 0);
        await redis.zadd(keys.taskLeases, 1, task.id);
        await sweeper.sweep();
        const swept = (await snapshot(board)).tasks.get(task.id)!;
        if (cmd.active) {
          expect(Date.parse(swept.lease_expires_at!)).toBeGreaterThan(Date.now());
          record('renewed');
        } else if (task.attempts >= MAX_ATTEMPTS) {
          task.status = 'failed';
          record('failed');
        } else {
          Object.assign(task, { status: 'available', assignee: null });
          record('available');
        }
        return;
      }
    }
  }

  it('keeps every invariant through random sequences of task operations by random agents', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: MAX_COMMANDS, size: 'max' }), async (cmds) => {
        runs++;
        const board = `prop-${runs}`;
        const model: ModelTask[] = [];
        let before = await snapshot(board);
        for (const cmd of cmds) {
          commands++;
          await step(board, model, cmd);
          const after = await snapshot(board);
          checkInvariants(before, after);
          // The service's state is the model's.
          expect(
            [...after.tasks.values()].map((t) => [
              t.task_id,
              t.status,
              t.assignee,
              t.priority,
              t.attempts,
              t.depends_on,
            ]),
          ).toEqual(model.map((t) => [t.id, t.status, t.assignee, t.priority, t.attempts, t.deps]));
          before = after;
        }
      }),
      { numRuns: RUNS },
    );
  }, 120_000);
});

function byNumber(a: string, b: string): number {
  return Number(a.slice(5)) - Number(b.slice(5));
}

/** Whether `from` depends on `to`, directly or through others, in the model. */
function reaches(model: ModelTask[], from: string, to: string): boolean {
  const seen = new Set<string>();
  const stack = [from];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (id === to) {
      return true;
    }
    if (!seen.has(id)) {
      seen.add(id);
      stack.push(...(model.find((task) => task.id === id)?.deps ?? []));
    }
  }
  return false;
}

/** A dependency cycle among the tasks, as a list of ids, or null. */
function cycleIn(tasks: Map<string, TaskView>): string[] | null {
  const state = new Map<string, 'open' | 'closed'>();
  const visit = (id: string, path: string[]): string[] | null => {
    if (state.get(id) === 'open') {
      return [...path, id];
    }
    if (state.get(id) === 'closed') {
      return null;
    }
    state.set(id, 'open');
    for (const dep of tasks.get(id)?.depends_on ?? []) {
      const cycle = visit(dep, [...path, id]);
      if (cycle) {
        return cycle;
      }
    }
    state.set(id, 'closed');
    return null;
  };
  for (const id of tasks.keys()) {
    const cycle = visit(id, []);
    if (cycle) {
      return cycle;
    }
  }
  return null;
}
