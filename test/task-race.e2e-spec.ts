import { CoordinatorProcess } from './support/coordinator-process.js';
import { NO_RECHECK_MS, uniquePrefix } from './support/coordinator.js';
import { Agent } from './support/mcp-clients.js';

const TASKS = 100;
const WORKERS = 20;
const BOARD = 'race';

interface Task {
  task_id: string;
  status: string;
  depends_on: string[];
  assignee: string;
  attempts: number;
  claimed_at: string;
  completed_at: string;
  result: string;
}

/** Up to two earlier tasks for task `i` to depend on, the same in every run. */
function dependenciesOf(i: number): number[] {
  return [...new Set([(i * 7 + 3) % i, (i * 13 + 5) % i].filter((j) => j < i && i % 3 !== 0))];
}

describe('task claims across two coordinator processes', () => {
  let processes: CoordinatorProcess[] = [];
  let agents: Agent[] = [];

  afterAll(async () => {
    await Promise.all(agents.map((agent) => agent.close()));
    await Promise.all(processes.map((p) => p.terminate()));
  });

  it(`has ${WORKERS} workers do ${TASKS} tasks with dependencies, each exactly once and never before its dependencies`, async () => {
    const env = { C3PO_KEY_PREFIX: uniquePrefix(), C3PO_WAIT_RECHECK_MS: NO_RECHECK_MS };
    processes = await Promise.all([CoordinatorProcess.start(env), CoordinatorProcess.start(env)]);
    const leader = await Agent.registered(processes[0].url, 'leader');
    const workers = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => Agent.registered(processes[i % 2].url, `worker-${i}`)),
    );
    agents = [leader, ...workers];

    const ids: string[] = [];
    for (let i = 0; i < TASKS; i++) {
      const { task } = await leader.ok('create_task', {
        board: BOARD,
        title: `task ${i}`,
        description: `step ${i} of the race`,
        priority: 1 + (i % 10),
        depends_on: dependenciesOf(i).map((j) => ids[j]),
      });
      ids.push(task.task_id as string);
    }
    expect(new Set(ids).size).toBe(TASKS);

    // Every worker takes what it can: claim_task while something is claimable, else a short
    // wait_for_task, whose claims race with the others'. (Its 1 s timeout ends in one more claim
    // attempt, so this test does not show wake-ups: tasks.e2e-spec.ts and the story do.)
    const claims: { task: string; worker: string; via: string }[] = [];
    let completed = 0;
    const giveUp = Date.now() + 60_000;
    await Promise.all(
      workers.map(async (worker) => {
        while (completed < TASKS && Date.now() < giveUp) {
          let task = (await worker.ok('claim_task', { board: BOARD })).task as Task | null;
          let via = 'claim_task';
          if (!task) {
            const waited = await worker.ok('wait_for_task', { board: BOARD, timeout: 1 });
            task = waited.status === 'claimed' ? (waited.task as Task) : null;
            via = 'wait_for_task';
          }
          if (task) {
            claims.push({ task: task.task_id, worker: worker.id, via });
            await worker.ok('complete_task', { task_id: task.task_id, result: `done by ${worker.id}` });
            completed++;
          }
        }
      }),
    );

    const done: Task[] = [];
    let cursor: string | undefined;
    do {
      const page = await leader.ok('list_tasks', { board: BOARD, status: 'done', limit: 100, cursor });
      done.push(...(page.tasks as Task[]));
      cursor = page.next_cursor ?? undefined;
    } while (cursor);
    const byId = new Map(done.map((task) => [task.task_id, task]));

    expect(completed).toBe(TASKS);
    expect(claims).toHaveLength(TASKS);
    expect(new Set(claims.map((claim) => claim.task)).size).toBe(TASKS);
    expect([...byId.keys()].sort()).toEqual([...ids].sort());
    for (const claim of claims) {
      const task = byId.get(claim.task)!;
      expect({ assignee: task.assignee, attempts: task.attempts, result: task.result }).toEqual({
        assignee: claim.worker,
        attempts: 1,
        result: `done by ${claim.worker}`,
      });
      // The coordinator's clock (Redis TIME) stamps both: a claim never precedes a dependency's completion.
      for (const dependency of task.depends_on) {
        expect(Date.parse(task.claimed_at)).toBeGreaterThanOrEqual(Date.parse(byId.get(dependency)!.completed_at));
      }
    }
    const viaWait = claims.filter((claim) => claim.via === 'wait_for_task').length;
    const workersThatWorked = new Set(claims.map((claim) => claim.worker)).size;
    console.log(
      `task race: ${TASKS} tasks (${ids.filter((_, i) => dependenciesOf(i).length > 0).length} with dependencies), ` +
        `${WORKERS} workers on 2 processes: each done once; ${viaWait} claims came from wait_for_task, ` +
        `${workersThatWorked} workers did some`,
    );
  });
});
