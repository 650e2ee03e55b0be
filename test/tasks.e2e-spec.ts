import type { Redis } from 'ioredis';
import request from 'supertest';
import { RedisKeys } from '../src/redis/keys.js';
import { REDIS_CLIENT } from '../src/redis/redis.constants.js';
import { TaskSweeperService } from '../src/tasks/task-sweeper.service.js';
import { TasksService } from '../src/tasks/tasks.service.js';
import { Agent, clientKinds } from './support/mcp-clients.js';
import { Coordinator, eventually, startCoordinator } from './support/coordinator.js';

type Task = Record<string, any>;

/** Sets an agent's last sign of life back to the epoch: to the lease sweeper it has been away. */
async function makeInactive(coordinator: Coordinator, agentId: string): Promise<void> {
  const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
  await redis.hset(coordinator.app.get(RedisKeys).agent(agentId), 'last_seen', '0');
}

describe.each(clientKinds)('task board tools with %s', (kind) => {
  let coordinator: Coordinator;
  let leader: Agent;
  let alice: Agent;
  let bob: Agent;
  let boards = 0;
  /** A board of its own for each test, so that no test sees another's tasks. */
  const newBoard = () => `board-${++boards}`;

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '2048', C3PO_TASK_MAX_ATTEMPTS: '2' });
    leader = await Agent.registered(coordinator.url, 'leader', kind);
    alice = await Agent.registered(coordinator.url, 'alice', kind);
    bob = await Agent.registered(coordinator.url, 'bob', kind);
  });

  afterAll(async () => {
    await Promise.all([leader.close(), alice.close(), bob.close()]);
    await coordinator.close();
  });

  async function create(board: string, title: string, more: Record<string, unknown> = {}): Promise<Task> {
    return (await leader.ok('create_task', { board, title, description: `do ${title}`, ...more })).task;
  }

  async function claimed(agent: Agent, board: string, taskId?: string): Promise<Task> {
    const { task } = await agent.ok('claim_task', { board, ...(taskId && { task_id: taskId }) });
    expect(task).toMatchObject({ status: 'claimed', assignee: agent.id });
    return task;
  }

  describe('set_plan and get_board', () => {
    it('keeps a goal and plan, and shows them with counts and tasks', async () => {
      const board = newBoard();
      const plan = await leader.ok('set_plan', { board, goal: 'ship v2', plan: '1. api 2. ui' });
      expect(plan).toEqual({
        board,
        goal: 'ship v2',
        plan: '1. api 2. ui',
        updated_at: expect.any(String),
        updated_by: 'leader',
      });
      const api = await create(board, 'api');
      const ui = await create(board, 'ui', { depends_on: [api.task_id] });
      await claimed(alice, board, api.task_id);

      const view = await bob.ok('get_board', { board });
      expect(view).toMatchObject({
        board,
        goal: 'ship v2',
        plan: '1. api 2. ui',
        counts: { available: 1, claimed: 1, done: 0, failed: 0 },
        next_cursor: null,
      });
      expect(view.tasks.map((t: Task) => [t.task_id, t.status])).toEqual([
        [api.task_id, 'claimed'],
        [ui.task_id, 'available'],
      ]);
    });

    it('shows an empty board for a name nobody used, and the default board without a name', async () => {
      expect(await bob.ok('get_board', { board: newBoard() })).toMatchObject({
        goal: null,
        plan: null,
        counts: { available: 0, claimed: 0, done: 0, failed: 0 },
        tasks: [],
        next_cursor: null,
      });
      await leader.ok('set_plan', { goal: 'the default goal', plan: 'p' });
      expect(await bob.ok('get_board', {})).toMatchObject({ board: 'default', goal: 'the default goal' });
    });

    it('replaces the plan and says who set it', async () => {
      const board = newBoard();
      await leader.ok('set_plan', { board, goal: 'g1', plan: 'p1' });
      await alice.ok('set_plan', { board, goal: 'g2', plan: 'p2' });
      expect(await bob.ok('get_board', { board })).toMatchObject({ goal: 'g2', plan: 'p2' });
    });

    it('refuses a bad board name, an oversized plan and missing arguments', async () => {
      expect(await leader.fails('set_plan', { board: 'Has Space', goal: 'g', plan: 'p' })).toMatch(
        /board 'Has Space' is invalid: use 1-64 lowercase letters/,
      );
      expect(await leader.fails('get_board', { board: 'UPPER' })).toMatch(/board 'UPPER' is invalid/);
      expect(await leader.fails('set_plan', { goal: 'g', plan: 'x'.repeat(3000) })).toBe(
        'plan is 3000 bytes, over the 2048-byte limit (C3PO_MAX_MESSAGE_BYTES): write a summary',
      );
      expect(await leader.fails('set_plan', { goal: 'g' })).toMatch(/plan/);
    });
  });

  describe('create_task', () => {
    it('creates an available task with defaults, ids from one counter', async () => {
      const board = newBoard();
      const first = await create(board, 'first');
      const second = await create(board, 'second', {
        priority: 9,
        files: ['src/a.ts'],
        hints: 'see docs/a.md',
      });
      expect(first).toEqual({
        task_id: expect.stringMatching(/^task-\d+$/),
        board,
        title: 'first',
        description: 'do first',
        priority: 5,
        depends_on: [],
        files: [],
        hints: null,
        status: 'available',
        assignee: null,
        attempts: 0,
        created_by: 'leader',
        created_at: expect.any(String),
        claimed_at: null,
        lease_expires_at: null,
        completed_at: null,
        result: null,
        failed_at: null,
        reason: null,
        waiting_for: [],
      });
      expect(second).toMatchObject({ priority: 9, files: ['src/a.ts'], hints: 'see docs/a.md' });
      expect(Number(second.task_id.slice(5))).toBeGreaterThan(Number(first.task_id.slice(5)));
    });

    it('waits for dependencies that are not done, and not for those that are', async () => {
      const board = newBoard();
      const done = await create(board, 'done');
      await claimed(alice, board, done.task_id);
      await alice.ok('complete_task', { task_id: done.task_id, result: 'ok' });
      const open = await create(board, 'open');
      const later = await create(board, 'later', { depends_on: [done.task_id, open.task_id, open.task_id] });
      expect(later).toMatchObject({ depends_on: [done.task_id, open.task_id], waiting_for: [open.task_id] });
    });

    it('refuses dependencies that are no task of the board, and creates nothing', async () => {
      const board = newBoard();
      const other = await create(newBoard(), 'elsewhere');
      expect(
        await leader.fails('create_task', { board, title: 't', description: 'd', depends_on: ['task-999999'] }),
      ).toBe(
        "depends_on names 'task-999999', which is not a task of board '" +
          board +
          "' (list_tasks shows its tasks): nothing was changed",
      );
      expect(
        await leader.fails('create_task', { board, title: 't', description: 'd', depends_on: [other.task_id] }),
      ).toMatch(`depends_on names '${other.task_id}', which is not a task of board '${board}'`);
      expect(await leader.fails('create_task', { board, title: 't', description: 'd', depends_on: ['nope'] })).toMatch(
        /depends_on entry 'nope' is invalid: use an id like task-12/,
      );
      expect((await bob.ok('get_board', { board })).counts).toEqual({ available: 0, claimed: 0, done: 0, failed: 0 });
    });

    it('refuses a bad priority, an empty or long title, oversized texts and bad lists', async () => {
      const board = newBoard();
      const base = { board, title: 't', description: 'd' };
      expect(await leader.fails('create_task', { ...base, priority: 11 })).toMatch(/priority/);
      expect(await leader.fails('create_task', { ...base, priority: 0 })).toMatch(/priority/);
      expect(await leader.fails('create_task', { ...base, priority: 2.5 })).toMatch(/priority/);
      expect(await leader.fails('create_task', { ...base, title: '  ' })).toBe(
        'title is empty: say in a line what the task is',
      );
      expect(await leader.fails('create_task', { ...base, title: 'x'.repeat(201) })).toBe(
        'title is 201 characters, over 200: put the rest in the description',
      );
      expect(await leader.fails('create_task', { ...base, title: '😀'.repeat(201) })).toBe(
        'title is 201 characters, over 200: put the rest in the description',
      );
      expect(await leader.fails('create_task', { ...base, description: 'x'.repeat(2049) })).toMatch(
        /^description is 2049 bytes, over the 2048-byte limit/,
      );
      expect(await leader.fails('create_task', { ...base, hints: 'x'.repeat(2049) })).toMatch(/^hints is 2049 bytes/);
      expect(await leader.fails('create_task', { ...base, files: [''] })).toBe(
        'files: an empty path: give paths relative to the repository root',
      );
      expect(await leader.fails('create_task', { ...base, files: ['../etc/passwd'] })).toBe(
        `files: "../etc/passwd" has a '..' segment: give paths inside the repository`,
      );
      expect(await leader.fails('create_task', { ...base, files: 'src' })).toMatch(/files/);
      expect(await leader.fails('create_task', { board, title: 't' })).toMatch(/description/);
      expect((await bob.ok('get_board', { board })).counts.available).toBe(0);
    });
  });

  describe('claim_task', () => {
    it('without an id claims the most urgent claimable task, then the oldest', async () => {
      const board = newBoard();
      const low = await create(board, 'low', { priority: 2 });
      const blocker = await create(board, 'blocker', { priority: 1 });
      await create(board, 'blocked', { priority: 10, depends_on: [blocker.task_id] });
      const urgentOld = await create(board, 'urgent old', { priority: 8 });
      const urgentNew = await create(board, 'urgent new', { priority: 8 });

      const order = [];
      for (let i = 0; i < 4; i++) {
        order.push((await claimed(alice, board)).task_id);
      }
      expect(order).toEqual([urgentOld.task_id, urgentNew.task_id, low.task_id, blocker.task_id]);
      expect(await alice.ok('claim_task', { board })).toEqual({
        task: null,
        message: `no task of board '${board}' is claimable now: call wait_for_task to wait for one`,
      });
    });

    it('leases the task to the claimer and counts the attempt', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'leased');
      const task = await claimed(alice, board, task_id);
      expect(task).toMatchObject({ attempts: 1, claimed_at: expect.any(String) });
      const leaseMs = Date.parse(task.lease_expires_at) - Date.parse(task.claimed_at);
      expect(leaseMs).toBe(300_000);
    });

    it('refuses a named task that is not claimable, saying why', async () => {
      const board = newBoard();
      const first = await create(board, 'first');
      const second = await create(board, 'second', { depends_on: [first.task_id] });
      expect(await alice.fails('claim_task', { task_id: second.task_id })).toBe(
        `task '${second.task_id}' waits for ${first.task_id} (not done yet): claim it once they are done, ` +
          'or claim_task without task_id for one that is claimable',
      );
      await claimed(alice, board, first.task_id);
      expect(await bob.fails('claim_task', { task_id: first.task_id })).toBe(
        `task '${first.task_id}' is claimed by 'alice': claim another (claim_task without task_id) or wait_for_task`,
      );
      expect(await alice.fails('claim_task', { task_id: first.task_id })).toBe(
        `you already hold task '${first.task_id}': complete_task, fail_task or release_task it`,
      );
      await alice.ok('complete_task', { task_id: first.task_id, result: 'r' });
      expect(await bob.fails('claim_task', { task_id: first.task_id })).toBe(
        `task '${first.task_id}' is done (completed by 'alice'): nothing left to claim`,
      );
      await claimed(bob, board, second.task_id);
      await bob.ok('fail_task', { task_id: second.task_id, reason: 'broken build' });
      expect(await alice.fails('claim_task', { task_id: second.task_id })).toBe(
        `task '${second.task_id}' failed for good (broken build): it cannot be claimed; create a new task for the work`,
      );
      expect(await alice.fails('claim_task', { task_id: 'task-999999' })).toMatch(/^task 'task-999999' not found/);
      expect(await alice.fails('claim_task', { task_id: 'req-1' })).toMatch(/task_id 'req-1' is invalid/);
    });

    it('gives a task to exactly one of many racing claimers', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'contested');
      const racers = await Promise.all(
        Array.from({ length: 8 }, (_, i) => Agent.registered(coordinator.url, `racer-${i}`, kind)),
      );
      try {
        const outcomes = await Promise.all(racers.map((racer) => racer.call('claim_task', { task_id })));
        expect(outcomes.filter((outcome) => !outcome.isError)).toHaveLength(1);
        const best = await Promise.all(racers.map((racer) => racer.ok('claim_task', { board })));
        expect(best.every((outcome) => outcome.task === null)).toBe(true);
      } finally {
        await Promise.all(racers.map((racer) => racer.close()));
      }
    });
  });

  describe('complete_task', () => {
    it('closes the task with its result and makes its dependents claimable', async () => {
      const board = newBoard();
      const base = await create(board, 'base');
      const top = await create(board, 'top', { depends_on: [base.task_id] });
      await claimed(alice, board, base.task_id);
      const { task } = await alice.ok('complete_task', { task_id: base.task_id, result: 'built' });
      expect(task).toMatchObject({
        status: 'done',
        assignee: 'alice',
        result: 'built',
        completed_at: expect.any(String),
        lease_expires_at: null,
      });
      expect((await bob.ok('claim_task', { board })).task).toMatchObject({ task_id: top.task_id, waiting_for: [] });
      // The same result again is accepted (a retry after a lost reply); another is not.
      expect((await alice.ok('complete_task', { task_id: base.task_id, result: 'built' })).task.status).toBe('done');
      expect(await alice.fails('complete_task', { task_id: base.task_id, result: 'other' })).toBe(
        `task '${base.task_id}' is done (completed by 'alice'): nothing left to complete`,
      );
      // Only for its assignee: the same result from anyone else is no retry of theirs.
      expect(await bob.fails('complete_task', { task_id: base.task_id, result: 'built' })).toBe(
        `task '${base.task_id}' is done (completed by 'alice'): nothing left to complete`,
      );
    });

    it('refuses anyone but the assignee, an unclaimed task, an empty and an oversized result', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'mine');
      expect(await alice.fails('complete_task', { task_id, result: 'r' })).toBe(
        `task '${task_id}' is not claimed: claim_task it first`,
      );
      await claimed(alice, board, task_id);
      expect(await bob.fails('complete_task', { task_id, result: 'r' })).toBe(
        `task '${task_id}' is claimed by 'alice', not you ('bob'): only its assignee can complete it`,
      );
      expect(await alice.fails('complete_task', { task_id, result: 'x'.repeat(2049) })).toMatch(
        /^result is 2049 bytes, over the 2048-byte limit/,
      );
      expect(await alice.fails('complete_task', { task_id, result: '  ' })).toBe(
        'result is empty: say what you did and where, for whoever builds on it',
      );
      expect(await alice.fails('complete_task', { task_id: 'task-999999', result: 'r' })).toMatch(/not found/);
      expect((await alice.ok('complete_task', { task_id, result: 'r' })).task.status).toBe('done');
    });
  });

  describe('fail_task', () => {
    it('with retry makes the task available again, attempts kept, until C3PO_TASK_MAX_ATTEMPTS', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'flaky');
      await claimed(alice, board, task_id);
      const retried = await alice.ok('fail_task', { task_id, reason: 'flaked', retry: true });
      expect(retried).toEqual({
        task: expect.objectContaining({ status: 'available', assignee: null, attempts: 1, reason: 'flaked' }),
      });
      await claimed(bob, board);
      const last = await bob.ok('fail_task', { task_id, reason: 'flaked again', retry: true });
      expect(last.task).toMatchObject({
        status: 'failed',
        assignee: 'bob',
        attempts: 2,
        reason: 'flaked again',
        failed_at: expect.any(String),
      });
      expect(last.message).toBe(
        'not retried: claimed 2 times, the most C3PO_TASK_MAX_ATTEMPTS (2) allows; the task is failed',
      );
      expect(await bob.fails('fail_task', { task_id, reason: 'again' })).toMatch(
        /failed for good \(flaked again\): it cannot be failed/,
      );
    });

    it('without retry fails the task for good; its dependents keep waiting', async () => {
      const board = newBoard();
      const base = await create(board, 'base');
      const top = await create(board, 'top', { depends_on: [base.task_id] });
      await claimed(alice, board, base.task_id);
      expect((await alice.ok('fail_task', { task_id: base.task_id, reason: 'cannot' })).task.status).toBe('failed');
      expect((await bob.ok('get_board', { board })).counts).toEqual({ available: 1, claimed: 0, done: 0, failed: 1 });
      expect((await bob.ok('claim_task', { board })).task).toBeNull();
      expect(await bob.fails('claim_task', { task_id: top.task_id })).toMatch(`waits for ${base.task_id}`);
    });

    it('refuses anyone but the assignee, an unclaimed task and an empty reason', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'x');
      expect(await alice.fails('fail_task', { task_id, reason: 'r' })).toMatch(/is not claimed: claim_task it first/);
      await claimed(alice, board, task_id);
      expect(await bob.fails('fail_task', { task_id, reason: 'r' })).toMatch(
        /claimed by 'alice', not you \('bob'\): only its assignee can fail it/,
      );
      expect(await alice.fails('fail_task', { task_id, reason: ' ' })).toBe(
        'reason is empty: say what went wrong, for whoever tries next',
      );
      await alice.ok('release_task', { task_id });
    });
  });

  describe('release_task', () => {
    it('gives the task back, claimable by the next taker, attempts kept', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'handed back');
      await claimed(alice, board, task_id);
      expect((await alice.ok('release_task', { task_id })).task).toMatchObject({
        status: 'available',
        assignee: null,
        attempts: 1,
        lease_expires_at: null,
        claimed_at: null,
      });
      expect((await claimed(bob, board)).attempts).toBe(2);
    });

    it('refuses anyone but the assignee, an unclaimed task and a done one', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'x');
      expect(await alice.fails('release_task', { task_id })).toMatch(/is not claimed/);
      await claimed(alice, board, task_id);
      expect(await bob.fails('release_task', { task_id })).toMatch(/only its assignee can release it/);
      await alice.ok('complete_task', { task_id, result: 'r' });
      expect(await alice.fails('release_task', { task_id })).toMatch(
        /is done \(completed by 'alice'\): nothing left to release/,
      );
    });
  });

  describe('update_task', () => {
    it('changes priority (and so the claim order) and description', async () => {
      const board = newBoard();
      await create(board, 'a', { priority: 5 });
      const b = await create(board, 'b', { priority: 5 });
      const updated = (await bob.ok('update_task', { task_id: b.task_id, priority: 7, description: 'new words' })).task;
      expect(updated).toMatchObject({ priority: 7, description: 'new words', status: 'available' });
      expect((await claimed(alice, board)).task_id).toBe(b.task_id);
    });

    it('changes dependencies, re-checking what the task waits for', async () => {
      const board = newBoard();
      const a = await create(board, 'a');
      const b = await create(board, 'b');
      const c = await create(board, 'c', { depends_on: [a.task_id] });
      const moved = (await leader.ok('update_task', { task_id: c.task_id, depends_on: [b.task_id] })).task;
      expect(moved).toMatchObject({ depends_on: [b.task_id], waiting_for: [b.task_id] });
      await claimed(alice, board, a.task_id);
      await alice.ok('complete_task', { task_id: a.task_id, result: 'r' });
      // c no longer depends on a: it still waits for b.
      expect(await alice.fails('claim_task', { task_id: c.task_id })).toMatch(`waits for ${b.task_id}`);
      const freed = (await leader.ok('update_task', { task_id: c.task_id, depends_on: [] })).task;
      expect(freed.waiting_for).toEqual([]);
      expect((await claimed(alice, board, c.task_id)).task_id).toBe(c.task_id);
    });

    it('refuses a dependency cycle, naming it, and changes nothing', async () => {
      const board = newBoard();
      const a = await create(board, 'a');
      const b = await create(board, 'b', { depends_on: [a.task_id] });
      const c = await create(board, 'c', { depends_on: [b.task_id] });
      expect(await leader.fails('update_task', { task_id: a.task_id, depends_on: [c.task_id] })).toBe(
        `depends_on would make a cycle (${a.task_id} → ${c.task_id} → ${b.task_id} → ${a.task_id}, each depending ` +
          `on the next): leave out '${c.task_id}'; nothing was changed`,
      );
      expect(await leader.fails('update_task', { task_id: a.task_id, depends_on: [b.task_id] })).toMatch(
        `(${a.task_id} → ${b.task_id} → ${a.task_id}, each`,
      );
      expect(await leader.fails('update_task', { task_id: a.task_id, depends_on: [a.task_id] })).toBe(
        `task '${a.task_id}' cannot depend on itself: nothing was changed`,
      );
      const unchanged = (await bob.ok('list_tasks', { board })).tasks.find((t: Task) => t.task_id === a.task_id);
      expect(unchanged).toMatchObject({ depends_on: [], waiting_for: [], status: 'available' });
      expect((await claimed(alice, board)).task_id).toBe(a.task_id);
    });

    it('refuses a done task, dependencies of a claimed one, unknown ones and an empty change', async () => {
      const board = newBoard();
      const a = await create(board, 'a');
      const b = await create(board, 'b');
      await claimed(alice, board, a.task_id);
      expect(await leader.fails('update_task', { task_id: a.task_id, depends_on: [b.task_id] })).toBe(
        `task '${a.task_id}' is claimed by 'alice': its dependencies can change only while nobody holds it`,
      );
      // Priority and description may change while it is claimed.
      expect((await leader.ok('update_task', { task_id: a.task_id, priority: 9 })).task.priority).toBe(9);
      await alice.ok('complete_task', { task_id: a.task_id, result: 'r' });
      expect(await leader.fails('update_task', { task_id: a.task_id, priority: 1 })).toBe(
        `task '${a.task_id}' is done (completed by 'alice'): a done task does not change; create a new task instead`,
      );
      expect(await leader.fails('update_task', { task_id: b.task_id, depends_on: ['task-999999'] })).toMatch(
        /depends_on names 'task-999999', which is not a task of board/,
      );
      expect(await leader.fails('update_task', { task_id: b.task_id })).toBe(
        'nothing to change: give priority, description or depends_on',
      );
      expect(await leader.fails('update_task', { task_id: b.task_id, priority: 11 })).toMatch(/priority/);
      expect(await leader.fails('update_task', { task_id: 'task-999999', priority: 1 })).toMatch(/not found/);
    });
  });

  describe('list_tasks', () => {
    it('filters by status and assignee, and pages with next_cursor', async () => {
      const board = newBoard();
      const made = [];
      for (let i = 0; i < 5; i++) {
        made.push(await create(board, `t${i}`));
      }
      await claimed(alice, board, made[1].task_id);
      await claimed(bob, board, made[3].task_id);
      await claimed(alice, board, made[4].task_id);
      await alice.ok('complete_task', { task_id: made[4].task_id, result: 'r' });

      const ids = (tasks: Task[]) => tasks.map((t) => t.task_id);
      expect(ids((await bob.ok('list_tasks', { board, status: 'available' })).tasks)).toEqual([
        made[0].task_id,
        made[2].task_id,
      ]);
      expect(ids((await bob.ok('list_tasks', { board, assignee: 'alice' })).tasks)).toEqual([
        made[1].task_id,
        made[4].task_id,
      ]);
      expect(ids((await bob.ok('list_tasks', { board, status: 'claimed', assignee: 'alice' })).tasks)).toEqual([
        made[1].task_id,
      ]);

      const first = await bob.ok('list_tasks', { board, limit: 2 });
      expect(ids(first.tasks)).toEqual([made[0].task_id, made[1].task_id]);
      const second = await bob.ok('list_tasks', { board, limit: 2, cursor: first.next_cursor });
      expect(ids(second.tasks)).toEqual([made[2].task_id, made[3].task_id]);
      const third = await bob.ok('list_tasks', { board, limit: 2, cursor: second.next_cursor });
      expect(third).toMatchObject({ tasks: [{ task_id: made[4].task_id }], next_cursor: null });
    });

    it('refuses an unknown status, a bad limit and a cursor it did not give', async () => {
      expect(await bob.fails('list_tasks', { status: 'open' })).toMatch(/status/);
      expect(await bob.fails('list_tasks', { limit: 101 })).toMatch(/limit/);
      expect(await bob.fails('list_tasks', { cursor: 'abc' })).toBe(
        'cursor must be a next_cursor returned by get_board or list_tasks',
      );
    });
  });

  describe('wait_for_task', () => {
    it('is woken by a task created claimable, and claims it for the caller', async () => {
      const board = newBoard();
      const waiting = alice.ok('wait_for_task', { board, timeout: 30 });
      await eventually(() => coordinator.blockedWaiters() === 1, 'alice to block');
      const { task_id } = await create(board, 'fresh');
      expect(await waiting).toEqual({
        status: 'claimed',
        task: expect.objectContaining({ task_id, status: 'claimed', assignee: 'alice' }),
      });
    });

    it('is woken by the last dependency completed', async () => {
      const board = newBoard();
      const base = await create(board, 'base');
      const top = await create(board, 'top', { depends_on: [base.task_id] });
      await claimed(alice, board, base.task_id);
      const waiting = bob.ok('wait_for_task', { board, timeout: 30 });
      await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
      await alice.ok('complete_task', { task_id: base.task_id, result: 'r' });
      expect((await waiting).task).toMatchObject({ task_id: top.task_id, assignee: 'bob' });
    });

    it('is woken by a release, and by a retried failure', async () => {
      const board = newBoard();
      const { task_id } = await create(board, 'passed on');
      await claimed(alice, board, task_id);
      const released = bob.ok('wait_for_task', { board, timeout: 30 });
      await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
      await alice.ok('release_task', { task_id });
      expect((await released).task).toMatchObject({ task_id, assignee: 'bob', attempts: 2 });

      const board2 = newBoard();
      const again = await create(board2, 'retried');
      await claimed(alice, board2, again.task_id);
      const retried = bob.ok('wait_for_task', { board: board2, timeout: 30 });
      await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
      await alice.ok('fail_task', { task_id: again.task_id, reason: 'try elsewhere', retry: true });
      expect((await retried).task).toMatchObject({ task_id: again.task_id, assignee: 'bob' });
    });

    it('claims a task already claimable at once, and times out when there is none', async () => {
      const board = newBoard();
      expect(await alice.ok('wait_for_task', { board, timeout: 0 })).toEqual({ status: 'timeout', waited_seconds: 0 });
      expect(await alice.ok('wait_for_task', { board, timeout: 1 })).toEqual({ status: 'timeout', waited_seconds: 1 });
      const { task_id } = await create(board, 'ready');
      expect((await alice.ok('wait_for_task', { board, timeout: 0 })).task.task_id).toBe(task_id);
    });

    // A 1.x client does not abort the HTTP request of a call it cancels, and the stateless
    // coordinator cannot match its cancel notice to the call: that wait lives on (README).
    (kind.startsWith('client') ? it : it.skip)('leaves a task claimable when its wait is cancelled', async () => {
      const board = newBoard();
      const cancel = new AbortController();
      const waiting = bob.call('wait_for_task', { board, timeout: 600 }, { signal: cancel.signal });
      await eventually(() => coordinator.blockedWaiters() === 1, 'bob to block');
      cancel.abort();
      await expect(waiting).rejects.toThrow();
      await eventually(() => coordinator.blockedWaiters() === 0, 'the wait to end on the coordinator');
      const { task_id } = await create(board, 'after cancel');
      expect((await alice.ok('claim_task', { board })).task.task_id).toBe(task_id);
    });

    it('refuses a bad board and a timeout over an hour', async () => {
      expect(await alice.fails('wait_for_task', { board: 'No', timeout: 1 })).toMatch(/board 'No' is invalid/);
      expect(await alice.fails('wait_for_task', { timeout: 3601 })).toMatch(/timeout/);
    });
  });

  describe('leases', () => {
    let short: Coordinator;
    let idler: Agent;
    let worker: Agent;

    beforeAll(async () => {
      short = await startCoordinator({
        // Two seconds: a busy claimer's calls refresh its last_seen at most once a second.
        C3PO_TASK_LEASE_S: '2',
        C3PO_TASK_MAX_ATTEMPTS: '2',
        C3PO_LEASE_SWEEP_MS: '50',
      });
      idler = await Agent.registered(short.url, 'idler', kind);
      worker = await Agent.registered(short.url, 'worker', kind);
    });

    afterAll(async () => {
      await Promise.all([idler.close(), worker.close()]);
      await short.close();
    });

    it('takes a task back from an inactive claimer, waking waits, and fails it after the most attempts', async () => {
      const board = newBoard();
      const { task_id } = (await worker.ok('create_task', { board, title: 'abandoned', description: 'd' })).task;
      expect((await idler.ok('claim_task', { board })).task.task_id).toBe(task_id);
      await makeInactive(short, 'idler');

      // The lease runs out with the claimer unseen: available again, and the wait below is woken.
      const retaken = await worker.ok('wait_for_task', { board, timeout: 30 });
      expect(retaken.task).toMatchObject({ task_id, assignee: 'worker', attempts: 2 });
      await makeInactive(short, 'worker');

      // The second claim's lease runs out too: C3PO_TASK_MAX_ATTEMPTS (2) reached, failed for good.
      await eventually(
        async () => (await idler.ok('list_tasks', { board, status: 'failed' })).tasks.length === 1,
        'the task to fail',
      );
      const [failed] = (await idler.ok('list_tasks', { board })).tasks;
      expect(failed).toMatchObject({
        status: 'failed',
        assignee: 'worker',
        attempts: 2,
        reason:
          "lease ran out: 'worker' was not seen within it, and the task was claimed 2 times (C3PO_TASK_MAX_ATTEMPTS)",
      });
    });

    it('renews the lease of a claimer that keeps showing signs of life, registered or not', async () => {
      const board = newBoard();
      await worker.ok('create_task', { board, title: 'long job', description: 'd' });
      // Never registered: its claim makes it a known agent, whose calls the sweeper then sees.
      const newcomer = await Agent.connect(short.url, 'newcomer', kind);
      try {
        const claim = (await newcomer.ok('claim_task', { board })).task;
        // Each call is a sign of life (at most one write a second): the sweeper renews the lease.
        await eventually(
          async () => {
            const [task] = (await newcomer.ok('list_tasks', { board })).tasks;
            return Date.parse(task.lease_expires_at) > Date.parse(claim.lease_expires_at);
          },
          'the lease to be renewed',
          10_000,
        );
        const [task] = (await newcomer.ok('list_tasks', { board })).tasks;
        expect(task).toMatchObject({ status: 'claimed', assignee: 'newcomer', attempts: 1 });
      } finally {
        await newcomer.close();
      }
    });
  });

  describe('limits', () => {
    let small: Coordinator;
    let agent: Agent;

    beforeAll(async () => {
      small = await startCoordinator({ C3PO_MAX_TASKS_PER_BOARD: '2', C3PO_MAX_BOARDS: '2' });
      agent = await Agent.registered(small.url, 'leader', kind);
    });

    afterAll(async () => {
      await agent.close();
      await small.close();
    });

    it('refuses a task past C3PO_MAX_TASKS_PER_BOARD and a board past C3PO_MAX_BOARDS', async () => {
      for (const title of ['one', 'two']) {
        await agent.ok('create_task', { board: 'first', title, description: 'd' });
      }
      expect(await agent.fails('create_task', { board: 'first', title: 'three', description: 'd' })).toBe(
        "board 'first' holds 2 tasks (C3PO_MAX_TASKS_PER_BOARD): done and failed ones leave C3PO_TASK_KEEP_S " +
          'after they closed; use another board meanwhile',
      );
      await agent.ok('set_plan', { board: 'second', goal: 'g', plan: 'p' });
      const refusal =
        'the coordinator holds 2 boards (C3PO_MAX_BOARDS): use an existing board (an unused one leaves ' +
        'C3PO_TASK_KEEP_S after its last change)';
      expect(await agent.fails('set_plan', { board: 'third', goal: 'g', plan: 'p' })).toBe(refusal);
      expect(await agent.fails('create_task', { board: 'third', title: 't', description: 'd' })).toBe(refusal);
      // Boards in use take more.
      await agent.ok('set_plan', { board: 'first', goal: 'g', plan: 'p' });
    });
  });
});

describe('wait_for_task progress', () => {
  it('reports progress while blocked', async () => {
    const ticking = await startCoordinator({ C3PO_WAIT_RECHECK_MS: '500' });
    const waiter = await Agent.registered(ticking.url, 'waiter');
    try {
      const progress: number[] = [];
      const result = await waiter.ok('wait_for_task', { timeout: 2 }, { onProgress: (p) => progress.push(p.total!) });
      expect(result).toEqual({ status: 'timeout', waited_seconds: 2 });
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect(progress.every((total) => total === 2)).toBe(true);
    } finally {
      await waiter.close();
      await ticking.close();
    }
  });
});

describe('wait_for_task cancelled as it claims', () => {
  it('gives the task back, so no claim outlives a caller that left', async () => {
    const coordinator = await startCoordinator();
    try {
      const tasks = coordinator.app.get(TasksService);
      const { task_id } = await tasks.create('leader', { board: 'left', title: 't', description: 'd' });
      // The first look claims before the wait sees its signal: the claim is made for a caller already gone.
      const gone = AbortSignal.abort();
      expect(await tasks.waitForTask('quitter', 'left', 30, { signal: gone })).toEqual({
        status: 'timeout',
        waited_seconds: 30,
      });
      expect(await tasks.get(task_id)).toMatchObject({ status: 'available', assignee: null, attempts: 1 });
    } finally {
      await coordinator.close();
    }
  });
});

describe('task board over REST', () => {
  let coordinator: Coordinator;
  let api: ReturnType<typeof request>;
  const as = (agent: string) => ({ 'X-Agent-ID': agent });

  beforeAll(async () => {
    coordinator = await startCoordinator({ C3PO_MAX_MESSAGE_BYTES: '2048', C3PO_LEASE_SWEEP_MS: '3600000' });
    api = request(coordinator.url);
    for (const agent of ['leader', 'alice', 'bob']) {
      await api.post('/api/agents/register').set(as(agent)).send({}).expect(200);
    }
  });

  afterAll(() => coordinator.close());

  it('serves the whole task life: plan, create, claim, complete, list, get', async () => {
    const plan = await api.put('/api/boards/rest/plan').set(as('leader')).send({ goal: 'g', plan: 'p' }).expect(200);
    expect(plan.body).toMatchObject({ board: 'rest', goal: 'g', plan: 'p', updated_by: 'leader' });

    const base = (
      await api
        .post('/api/tasks')
        .set(as('leader'))
        .send({ board: 'rest', title: 'base', description: 'd', priority: 7, files: ['a.ts'], hints: 'h' })
        .expect(201)
    ).body.task;
    expect(base).toMatchObject({ board: 'rest', priority: 7, files: ['a.ts'], hints: 'h', status: 'available' });
    const top = (
      await api
        .post('/api/tasks')
        .set(as('leader'))
        .send({ board: 'rest', title: 'top', description: 'd', depends_on: [base.task_id] })
        .expect(201)
    ).body.task;
    expect(top.waiting_for).toEqual([base.task_id]);

    const claim = await api.post('/api/tasks/claim').set(as('alice')).send({ board: 'rest' }).expect(200);
    expect(claim.body.task).toMatchObject({ task_id: base.task_id, assignee: 'alice' });
    expect((await api.post('/api/tasks/claim').set(as('bob')).send({ board: 'rest' }).expect(200)).body).toMatchObject({
      task: null,
      message: expect.stringMatching(/wait_for_task/),
    });

    const done = await api
      .post(`/api/tasks/${base.task_id}/complete`)
      .set(as('alice'))
      .send({ result: 'built' })
      .expect(200);
    expect(done.body.task).toMatchObject({ status: 'done', result: 'built' });

    const board = await api.get('/api/boards/rest').set(as('bob')).expect(200);
    expect(board.body).toMatchObject({ goal: 'g', counts: { available: 1, claimed: 0, done: 1, failed: 0 } });
    const listed = await api.get('/api/tasks?board=rest&status=available').set(as('bob')).expect(200);
    expect(listed.body).toEqual({ tasks: [expect.objectContaining({ task_id: top.task_id })], next_cursor: null });
    const paged = await api.get('/api/boards/rest?limit=1').set(as('bob')).expect(200);
    expect(paged.body.next_cursor).not.toBeNull();
    const rest = await api.get(`/api/tasks?board=rest&cursor=${paged.body.next_cursor}`).set(as('bob')).expect(200);
    expect(rest.body.tasks.map((t: Task) => t.task_id)).toEqual([top.task_id]);
    expect((await api.get(`/api/tasks/${top.task_id}`).set(as('bob')).expect(200)).body.task.waiting_for).toEqual([]);
  });

  it('fails, retries, releases and updates', async () => {
    const { task_id } = (
      await api.post('/api/tasks').set(as('leader')).send({ board: 'rest2', title: 't', description: 'd' }).expect(201)
    ).body.task;
    await api.post('/api/tasks/claim').set(as('alice')).send({ task_id }).expect(200);
    const retried = await api
      .post(`/api/tasks/${task_id}/fail`)
      .set(as('alice'))
      .send({ reason: 'flaky', retry: true })
      .expect(200);
    expect(retried.body).toEqual({ task: expect.objectContaining({ status: 'available', reason: 'flaky' }) });
    await api.post('/api/tasks/claim').set(as('bob')).send({ task_id }).expect(200);
    const released = await api.post(`/api/tasks/${task_id}/release`).set(as('bob')).expect(200);
    expect(released.body.task).toMatchObject({ status: 'available', attempts: 2 });
    const updated = await api
      .patch(`/api/tasks/${task_id}`)
      .set(as('leader'))
      .send({ priority: 2, description: 'more' })
      .expect(200);
    expect(updated.body.task).toMatchObject({ priority: 2, description: 'more' });
    await api.post('/api/tasks/claim').set(as('bob')).send({ task_id }).expect(200);
    const failed = await api.post(`/api/tasks/${task_id}/fail`).set(as('bob')).send({ reason: 'no' }).expect(200);
    expect(failed.body.task).toMatchObject({ status: 'failed', reason: 'no' });
  });

  it('answers refusals with their status and message', async () => {
    const { task_id } = (
      await api.post('/api/tasks').set(as('leader')).send({ board: 'rest3', title: 't', description: 'd' }).expect(201)
    ).body.task;
    const refused = async (call: request.Test, status: number, message: string | RegExp) => {
      const response = await call.expect(status);
      expect(response.body.message).toEqual(typeof message === 'string' ? message : expect.stringMatching(message));
    };
    await refused(
      api.post(`/api/tasks/${task_id}/complete`).set(as('alice')).send({ result: 'r' }),
      409,
      /is not claimed/,
    );
    await api.post('/api/tasks/claim').set(as('alice')).send({ task_id }).expect(200);
    await refused(api.post('/api/tasks/claim').set(as('bob')).send({ task_id }), 409, /is claimed by 'alice'/);
    await refused(
      api.post(`/api/tasks/${task_id}/release`).set(as('bob')).send({}),
      403,
      /only its assignee can release it/,
    );
    await refused(api.get('/api/tasks/task-999999').set(as('bob')), 404, /^task 'task-999999' not found/);
    await refused(api.get('/api/tasks/nope').set(as('bob')), 400, /task_id 'nope' is invalid/);
    await refused(api.get('/api/boards/Bad').set(as('bob')), 400, /board 'Bad' is invalid/);
    await refused(
      api.post('/api/tasks').set(as('leader')).send({ title: 't', description: 'd', priority: 11 }),
      400,
      /priority must not be greater than 10/,
    );
    await refused(
      api.post('/api/tasks').set(as('leader')).send({ title: 't', description: 'd', extra: 1 }),
      400,
      /property extra should not exist/,
    );
    await refused(api.post('/api/tasks').set(as('leader')).send({ title: 't' }), 400, /description must be a string/);
    await refused(api.get('/api/tasks?status=open').set(as('bob')), 400, /status must be one of/);
    await refused(api.get('/api/tasks?cursor=x').set(as('bob')), 400, /cursor must be a next_cursor/);
    await refused(api.patch(`/api/tasks/${task_id}`).set(as('bob')).send({}), 400, /nothing to change/);
    await refused(
      api.post(`/api/tasks/${task_id}/fail`).set(as('alice')).send({ reason: 'r', retry: 'yes' }),
      400,
      /retry must be a boolean/,
    );
    await refused(api.get('/api/tasks'), 400, 'X-Agent-ID header is required');
  });

  it('gives a task to exactly one of racing claimers on two coordinator processes', async () => {
    const second = await startCoordinator({ C3PO_KEY_PREFIX: coordinator.prefix });
    try {
      const tasks = [];
      for (let i = 0; i < 10; i++) {
        tasks.push(
          (
            await api
              .post('/api/tasks')
              .set(as('leader'))
              .send({ board: 'race', title: `t${i}`, description: 'd' })
              .expect(201)
          ).body.task.task_id,
        );
      }
      const urls = [coordinator.url, second.url];
      const claims = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          request(urls[i % 2])
            .post('/api/tasks/claim')
            .set(as(`racer-${i}`))
            .send({ board: 'race' })
            .expect(200),
        ),
      );
      const won = claims.map((response) => response.body.task?.task_id).filter(Boolean);
      expect(won.sort()).toEqual([...tasks].sort());
    } finally {
      await second.close();
    }
  });

  it('removes tasks closed longer than C3PO_TASK_KEEP_S ago, and boards left empty', async () => {
    const redis = coordinator.app.get<Redis>(REDIS_CLIENT);
    const keys = coordinator.app.get(RedisKeys);
    await api.put('/api/boards/old/plan').set(as('leader')).send({ goal: 'g', plan: 'p' }).expect(200);
    const base = (
      await api.post('/api/tasks').set(as('leader')).send({ board: 'old', title: 'base', description: 'd' }).expect(201)
    ).body.task;
    const top = (
      await api
        .post('/api/tasks')
        .set(as('leader'))
        .send({ board: 'old', title: 'top', description: 'd', depends_on: [base.task_id] })
        .expect(201)
    ).body.task;
    await api.post('/api/tasks/claim').set(as('alice')).send({ task_id: base.task_id }).expect(200);
    await api.post(`/api/tasks/${base.task_id}/complete`).set(as('alice')).send({ result: 'r' }).expect(200);
    // Closed (and the board changed) long ago, as far as the sweeper can tell.
    await redis.zadd(keys.closedTasks, 1, base.task_id);
    await coordinator.app.get(TaskSweeperService).sweep();
    await api.get(`/api/tasks/${base.task_id}`).set(as('bob')).expect(404);
    expect((await api.get('/api/boards/old').set(as('bob')).expect(200)).body.counts).toEqual({
      available: 1,
      claimed: 0,
      done: 0,
      failed: 0,
    });
    expect(await redis.exists(keys.taskDependents(base.task_id))).toBe(0);

    await api.post('/api/tasks/claim').set(as('alice')).send({ task_id: top.task_id }).expect(200);
    await api.post(`/api/tasks/${top.task_id}/complete`).set(as('alice')).send({ result: 'r' }).expect(200);
    await redis.zadd(keys.closedTasks, 1, top.task_id);
    await redis.zadd(keys.boards, 1, 'old');
    await coordinator.app.get(TaskSweeperService).sweep();
    expect(await redis.zscore(keys.boards, 'old')).toBeNull();
    expect(await redis.exists(keys.boardIndex('old', 'tasks'))).toBe(0);
    expect(await redis.exists(keys.boardIndex('old', 'ready'))).toBe(0);
    expect(await redis.exists(keys.board('old'))).toBe(0);
  });
});
