import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { execResults } from '../redis/exec-results.js';
import { fromFlat } from '../redis/from-flat.js';
import { RedisKeys } from '../redis/keys.js';
import { REDIS_CLIENT } from '../redis/redis.constants.js';
import { RedisScripts } from '../redis/redis-scripts.js';
import { Scripts, TaskFlat } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';
import { BoardRecord, TaskStatus } from './task-record.js';

export interface NewTask {
  board: string;
  creator: string;
  title: string;
  description: string;
  priority: number;
  dependsOn: string[];
  files: string[];
  hints: string;
}

export interface TaskChanges {
  priority?: number;
  description?: string;
  dependsOn?: string[];
}

/** A script's refusal: its code, and what it named (an assignee, a dependency, a cycle, a measure). */
export interface Refused {
  ok: false;
  code: ScriptCode;
  detail?: string | string[] | number;
}

export type Changed = { ok: true; task: TaskFlat; duplicate?: true } | Refused;

export interface TaskPage {
  board: BoardRecord;
  counts: [number, number, number, number];
  tasks: TaskFlat[];
  nextCursor: string | null;
}

/** Most tasks one listing looks at when it skips those of other assignees. */
const SCAN_BUDGET = 1000;
/** Most claimed tasks (of all boards, by lease) a hook's look for an agent's claims reads. */
const CLAIMS_SCANNED = 1000;

/** All Redis I/O of the task board; each change is one script of the catalog. */
@Injectable()
export class TasksStore {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly keys: RedisKeys,
    private readonly scripts: RedisScripts,
    private readonly config: AppConfig,
  ) {}

  async create(task: NewTask): Promise<Changed> {
    const k = this.keys;
    return changed(
      await this.scripts.run(
        Scripts.createTask,
        { boards: k.boards, sequence: k.taskSequence },
        {
          ...this.taskArgs,
          board: task.board,
          creator: task.creator,
          title: task.title,
          description: task.description,
          priority: task.priority,
          dependsOn: JSON.stringify(task.dependsOn),
          files: JSON.stringify(task.files),
          hints: task.hints,
          maxTasks: this.config.C3PO_MAX_TASKS_PER_BOARD,
          maxBoards: this.config.C3PO_MAX_BOARDS,
        },
      ),
    );
  }

  /** Claims the named task, or with `taskId` '' the board's best claimable one (null when there is none). */
  async claim(board: string, taskId: string, agent: string): Promise<{ ok: true; task: TaskFlat | null } | Refused> {
    const reply = await this.scripts.run(
      Scripts.claimTask,
      { leases: this.keys.taskLeases, boards: this.keys.boards },
      { ...this.taskArgs, board, taskId, agent, leaseMs: this.config.C3PO_TASK_LEASE_S * 1000 },
    );
    if (typeof reply === 'number') {
      return { ok: false, code: reply };
    }
    return reply[0] === ScriptCode.Ok
      ? { ok: true, task: reply[1] ?? null }
      : { ok: false, code: reply[0], detail: reply[1] };
  }

  async complete(board: string, taskId: string, agent: string, result: string): Promise<Changed> {
    const k = this.keys;
    return changed(
      await this.scripts.run(
        Scripts.completeTask,
        { leases: k.taskLeases, closed: k.closedTasks, boards: k.boards, task: k.task(taskId) },
        { ...this.taskArgs, board, taskId, agent, result },
      ),
    );
  }

  async fail(board: string, taskId: string, agent: string, reason: string, retry: boolean): Promise<Changed> {
    const k = this.keys;
    return changed(
      await this.scripts.run(
        Scripts.failTask,
        { leases: k.taskLeases, closed: k.closedTasks, boards: k.boards, task: k.task(taskId) },
        {
          ...this.taskArgs,
          board,
          taskId,
          agent,
          reason,
          retry: retry ? '1' : '0',
          maxAttempts: this.config.C3PO_TASK_MAX_ATTEMPTS,
        },
      ),
    );
  }

  async release(board: string, taskId: string, agent: string): Promise<Changed> {
    return changed(
      await this.scripts.run(
        Scripts.releaseTask,
        { leases: this.keys.taskLeases, boards: this.keys.boards },
        { ...this.taskArgs, board, taskId, agent },
      ),
    );
  }

  async update(board: string, taskId: string, changes: TaskChanges): Promise<Changed> {
    return changed(
      await this.scripts.run(
        Scripts.updateTask,
        { task: this.keys.task(taskId), boards: this.keys.boards },
        {
          ...this.taskArgs,
          board,
          taskId,
          priority: changes.priority ?? '',
          setDescription: changes.description === undefined ? '0' : '1',
          description: changes.description ?? '',
          dependsOn: changes.dependsOn ? JSON.stringify(changes.dependsOn) : '',
        },
      ),
    );
  }

  async setPlan(
    board: string,
    plan: { goal: string; plan: string; agent: string },
  ): Promise<{ ok: true; at: number } | Refused> {
    const reply = await this.scripts.run(
      Scripts.setPlan,
      { board: this.keys.board(board), boards: this.keys.boards },
      { board, goal: plan.goal, plan: plan.plan, agent: plan.agent, maxBoards: this.config.C3PO_MAX_BOARDS },
    );
    return reply[0] === ScriptCode.Ok ? { ok: true, at: reply[1] } : { ok: false, code: reply[0], detail: reply[1] };
  }

  /** A page of the board's tasks (all, or those in `status`; of `assignee` only, if given), oldest first. */
  async list(
    board: string,
    page: { status?: TaskStatus; assignee?: string; cursor?: string; limit: number },
  ): Promise<TaskPage> {
    const [flat, counts, tasks, next] = await this.scripts.run(
      Scripts.listTasks,
      { board: this.keys.board(board) },
      {
        ...this.taskArgs,
        board,
        status: page.status ?? '',
        assignee: page.assignee ?? '',
        cursor: page.cursor ?? '',
        limit: page.limit,
        budget: SCAN_BUDGET,
        pageBytes: this.config.C3PO_PAGE_MAX_BYTES,
      },
    );
    return { board: fromFlat<BoardRecord>(flat), counts, tasks, nextCursor: next || null };
  }

  /** The task and the dependencies it waits for, or null. */
  async get(taskId: string): Promise<TaskFlat | null> {
    const [record, waiting] = await execResults<[Record<string, string>, string[]]>(
      this.redis.multi().hgetall(this.keys.task(taskId)).smembers(this.keys.taskWaiting(taskId)),
    );
    return record.task_id ? [Object.entries(record).flat(), waiting] : null;
  }

  /**
   * The board of a task, which task scripts must name (its indexes are keys). It never changes,
   * so reading it before the script races with nothing.
   */
  boardOf(taskId: string): Promise<string | null> {
    return this.redis.hget(this.keys.task(taskId), 'board');
  }

  /** Renews, takes back or fails up to `limit` claimed tasks whose lease ran out. */
  async sweepLeases(limit: number): Promise<{ renewed: string[]; requeued: string[]; failed: string[] }> {
    const [renewed, requeued, failed] = await this.scripts.run(
      Scripts.sweepTaskLeases,
      { leases: this.keys.taskLeases, closed: this.keys.closedTasks },
      {
        ...this.taskArgs,
        agentPrefix: this.keys.agentPrefix,
        leaseMs: this.config.C3PO_TASK_LEASE_S * 1000,
        maxAttempts: this.config.C3PO_TASK_MAX_ATTEMPTS,
        limit,
      },
    );
    return { renewed, requeued, failed };
  }

  /** Removes up to `limit` tasks closed longer than C3PO_TASK_KEEP_S ago, and boards left empty that long. */
  async prune(limit: number): Promise<{ tasks: number; boards: number }> {
    const [tasks, boards] = await this.scripts.run(
      Scripts.pruneTasks,
      { closed: this.keys.closedTasks, boards: this.keys.boards },
      { ...this.taskArgs, keepMs: this.config.C3PO_TASK_KEEP_S * 1000, limit },
    );
    return { tasks, boards };
  }

  /** The first `most` tasks the agent holds claimed, on any board (looking at CLAIMS_SCANNED at most). */
  async claimsOf(agent: string, most: number): Promise<{ task_id: string; board: string; title: string }[]> {
    const held = await this.scripts.run(
      Scripts.listClaims,
      { leases: this.keys.taskLeases },
      { taskPrefix: this.keys.taskPrefix, agent, most, budget: CLAIMS_SCANNED },
    );
    return held.map(([task_id, board, title]) => ({ task_id, board, title }));
  }

  private get taskArgs() {
    return { taskPrefix: this.keys.taskPrefix, boardPrefix: this.keys.boardPrefix, channel: this.keys.events };
  }
}

function changed(reply: [ScriptCode, TaskFlat] | [ScriptCode, string | string[] | number] | ScriptCode): Changed {
  if (typeof reply === 'number') {
    return { ok: false, code: reply };
  }
  const [code, value] = reply;
  if (code === ScriptCode.Ok || code === ScriptCode.Duplicate) {
    return { ok: true, task: value as TaskFlat, ...(code === ScriptCode.Duplicate && { duplicate: true as const }) };
  }
  return { ok: false, code, detail: value as string | string[] | number };
}
