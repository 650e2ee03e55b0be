import {
  BadRequestException,
  ConflictException,
  ForbiddenException,
  HttpException,
  Injectable,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { grouped } from '../common/grouped.js';
import { normalizeRepoPaths } from '../common/repo-path.js';
import { checkMessageBytes } from '../common/message-bytes.js';
import { isoFromMs } from '../common/timestamps.js';
import { TooManyRequestsException } from '../common/too-many-requests.exception.js';
import { AppConfig } from '../config/app-config.js';
import { annotateCall } from '../logging/call-context.js';
import { Metrics } from '../metrics/metrics.js';
import { TaskFlat } from '../redis/script-catalog.js';
import { ScriptCode } from '../redis/script-code.js';
import { taskTopic } from '../redis/topics.js';
import { WaitHooks, WaitsService } from '../requests/waits.service.js';
import { WakeupService } from '../requests/wakeup.service.js';
import { BoardView, byTaskNumber, PlanView, TASK_STATUSES, TaskStatus, TaskView, taskView } from './task-record.js';
import { Changed, Refused, TasksStore } from './tasks.store.js';

const DEFAULT_BOARD = 'default';
const BOARD_PATTERN = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const TASK_ID_PATTERN = /^task-[1-9]\d{0,11}$/;
const CURSOR_PATTERN = /^\d{1,15}$/;
/** Longest title, in characters: a title is a line, the description holds the rest. */
const MAX_TITLE_CHARS = 200;
/** Most dependencies or files one task names. */
export const MAX_TASK_LIST = 100;

export interface CreateTaskInput {
  title: string;
  description: string;
  priority?: number;
  depends_on?: string[];
  files?: string[];
  hints?: string;
  board?: string;
}

export interface UpdateTaskInput {
  priority?: number;
  description?: string;
  depends_on?: string[];
}

export interface ListTasksInput {
  board?: string;
  status?: string;
  assignee?: string;
  limit?: number;
  cursor?: string;
}

export type ClaimResult = { task: TaskView } | { task: null; message: string };

export type WaitForTaskResult =
  | { status: 'claimed'; task: TaskView }
  | { status: 'timeout'; waited_seconds: number }
  | { status: 'restarting' | 'unavailable'; message: string };

/** What each refused action is called in an error, and its past participle. */
const ACTIONS = { claim: 'claimed', complete: 'completed', fail: 'failed', release: 'released', update: 'updated' };
type Action = keyof typeof ACTIONS;

/**
 * The task board: a goal and a plan per board, and tasks with priorities and dependencies that
 * agents claim (exactly one winner), complete or fail. States: available → claimed → done |
 * failed, and claimed → available on release, lease expiry or a retried failure; every change
 * is one script, so what the scripts refuse is what this service words for the caller.
 */
@Injectable()
export class TasksService {
  private readonly logger = new Logger(TasksService.name);

  constructor(
    private readonly store: TasksStore,
    private readonly waits: WaitsService,
    private readonly wakeups: WakeupService,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
    private readonly audit: AuditService,
  ) {}

  async setPlan(agentId: string, input: { goal: string; plan: string; board?: string }): Promise<PlanView> {
    const board = parseBoard(input.board);
    this.checkSize('goal', input.goal);
    this.checkSize('plan', input.plan);
    const result = await this.store.setPlan(board, { goal: input.goal, plan: input.plan, agent: agentId });
    if (!result.ok) {
      throw await this.refusal(result, { agentId, board });
    }
    return { board, goal: input.goal, plan: input.plan, updated_at: isoFromMs(result.at)!, updated_by: agentId };
  }

  /** The board's goal, plan, counts and first page of tasks (list_tasks pages on with next_cursor). */
  async board(name?: string, page: { limit?: number; cursor?: string } = {}): Promise<BoardView> {
    const board = parseBoard(name);
    const found = await this.store.list(board, { limit: page.limit ?? 20, cursor: parseCursor(page.cursor) });
    const [available, claimed, done, failed] = found.counts;
    return {
      board,
      goal: found.board.goal ?? null,
      plan: found.board.plan ?? null,
      counts: { available, claimed, done, failed },
      tasks: found.tasks.map(taskView),
      next_cursor: found.nextCursor,
    };
  }

  async list(input: ListTasksInput): Promise<{ tasks: TaskView[]; next_cursor: string | null }> {
    const board = parseBoard(input.board);
    if (input.status !== undefined && !(TASK_STATUSES as readonly string[]).includes(input.status)) {
      throw new BadRequestException(`status must be one of ${TASK_STATUSES.join(', ')}`);
    }
    const found = await this.store.list(board, {
      status: input.status as TaskStatus | undefined,
      assignee: input.assignee,
      limit: input.limit ?? 20,
      cursor: parseCursor(input.cursor),
    });
    return { tasks: found.tasks.map(taskView), next_cursor: found.nextCursor };
  }

  async get(taskId: string): Promise<TaskView> {
    const found = await this.store.get(parseTaskId(taskId));
    if (!found) {
      throw notFound(taskId);
    }
    return taskView(found);
  }

  async create(agentId: string, input: CreateTaskInput): Promise<TaskView> {
    const board = parseBoard(input.board);
    const title = input.title.trim();
    if (title === '') {
      throw new BadRequestException('title is empty: say in a line what the task is');
    }
    const titleChars = [...title].length;
    if (titleChars > MAX_TITLE_CHARS) {
      throw new BadRequestException(
        `title is ${titleChars} characters, over ${MAX_TITLE_CHARS}: put the rest in the description`,
      );
    }
    this.checkSize('description', input.description);
    this.checkSize('hints', input.hints ?? '');
    const result = await this.store.create({
      board,
      creator: agentId,
      title,
      description: input.description,
      priority: parsePriority(input.priority ?? 5),
      dependsOn: parseDependencies(input.depends_on ?? []),
      files: parseFiles(input.files ?? []),
      hints: input.hints ?? '',
    });
    const task = await this.changed(result, 'update', { agentId, board });
    annotateCall({ task_id: task.task_id });
    return task;
  }

  /** With `task_id`, that task; without, the board's best claimable one, or a note to wait when there is none. */
  async claim(agentId: string, input: { task_id?: string; board?: string }): Promise<ClaimResult> {
    if (input.task_id === undefined) {
      const board = parseBoard(input.board);
      const result = await this.store.claim(board, '', agentId);
      if (result.ok && result.task) {
        return { task: this.claimed(result.task) };
      }
      return {
        task: null,
        message: `no task of board '${board}' is claimable now: call wait_for_task to wait for one`,
      };
    }
    const taskId = parseTaskId(input.task_id);
    const board = await this.boardOf(taskId);
    const result = await this.store.claim(board, taskId, agentId);
    if (!result.ok) {
      throw await this.refusal(result, { agentId, board, taskId, action: 'claim' });
    }
    return { task: this.claimed(result.task!) };
  }

  async complete(agentId: string, taskId: string, result: string): Promise<TaskView> {
    const id = parseTaskId(taskId);
    if (result.trim() === '') {
      throw new BadRequestException('result is empty: say what you did and where, for whoever builds on it');
    }
    this.checkSize('result', result);
    const board = await this.boardOf(id);
    const outcome = await this.store.complete(board, id, agentId, result);
    const task = await this.changed(outcome, 'complete', { agentId, board, taskId: id });
    if (outcome.ok && !outcome.duplicate) {
      this.metrics.tasksCompleted.inc();
    }
    return task;
  }

  /** `message` says when a retry was refused because the task was claimed C3PO_TASK_MAX_ATTEMPTS times. */
  async fail(
    agentId: string,
    taskId: string,
    reason: string,
    retry = false,
  ): Promise<{ task: TaskView; message?: string }> {
    const id = parseTaskId(taskId);
    if (reason.trim() === '') {
      throw new BadRequestException('reason is empty: say what went wrong, for whoever tries next');
    }
    this.checkSize('reason', reason);
    const board = await this.boardOf(id);
    const task = await this.changed(await this.store.fail(board, id, agentId, reason, retry), 'fail', {
      agentId,
      board,
      taskId: id,
    });
    if (retry && task.status === 'failed') {
      return {
        task,
        message:
          `not retried: claimed ${task.attempts} times, the most C3PO_TASK_MAX_ATTEMPTS ` +
          `(${this.config.C3PO_TASK_MAX_ATTEMPTS}) allows; the task is failed`,
      };
    }
    return { task };
  }

  async release(agentId: string, taskId: string): Promise<TaskView> {
    const id = parseTaskId(taskId);
    const board = await this.boardOf(id);
    return this.changed(await this.store.release(board, id, agentId), 'release', { agentId, board, taskId: id });
  }

  async update(agentId: string, taskId: string, input: UpdateTaskInput): Promise<TaskView> {
    const id = parseTaskId(taskId);
    if (input.priority === undefined && input.description === undefined && input.depends_on === undefined) {
      throw new BadRequestException('nothing to change: give priority, description or depends_on');
    }
    if (input.description !== undefined) {
      this.checkSize('description', input.description);
    }
    const changes = {
      priority: input.priority === undefined ? undefined : parsePriority(input.priority),
      description: input.description,
      dependsOn: input.depends_on && parseDependencies(input.depends_on),
    };
    const board = await this.boardOf(id);
    return this.changed(await this.store.update(board, id, changes), 'update', { agentId, board, taskId: id });
  }

  /** Blocks until a task of the board is claimable and claims it for the caller. */
  async waitForTask(
    agentId: string,
    boardName: string | undefined,
    timeoutSeconds: number,
    hooks: WaitHooks = {},
  ): Promise<WaitForTaskResult> {
    const board = parseBoard(boardName);
    const outcome = await this.waits.run(agentId, 'wait_for_task', timeoutSeconds, hooks, (options) =>
      this.wakeups.waitFor<TaskFlat>(
        taskTopic(board),
        async () => {
          const result = await this.store.claim(board, '', agentId);
          return result.ok ? result.task : null;
        },
        options,
      ),
    );
    switch (outcome.kind) {
      case 'found': {
        const task = taskView(outcome.value);
        if (hooks.signal?.aborted) {
          // Claimed as the caller left: nobody would learn it holds the task, and its activity
          // elsewhere would keep renewing the lease. Give it back for the next taker.
          await this.store.release(board, task.task_id, agentId).catch((error: Error) => {
            this.logger.warn(`${task.task_id} not given back after a cancelled wait: ${error.message}`);
          });
          return { status: 'timeout', waited_seconds: timeoutSeconds };
        }
        return { status: 'claimed', task: this.claimed(outcome.value) };
      }
      case 'restarting':
        return { status: 'restarting', message: 'coordinator restarting, call again: nothing was claimed' };
      case 'unavailable':
        return {
          status: 'unavailable',
          message: 'storage unavailable, call again in a few seconds: nothing was claimed',
        };
      default:
        return { status: 'timeout', waited_seconds: timeoutSeconds };
    }
  }

  /** The first `most` tasks the agent holds claimed, on any board: for the hooks to remind it. */
  claimsOf(agentId: string, most: number): Promise<{ task_id: string; board: string; title: string }[]> {
    return this.store.claimsOf(agentId, most);
  }

  private claimed(flat: TaskFlat): TaskView {
    const task = taskView(flat);
    this.metrics.tasksClaimed.inc();
    annotateCall({ task_id: task.task_id });
    return task;
  }

  private async boardOf(taskId: string): Promise<string> {
    const board = await this.store.boardOf(taskId);
    if (board === null) {
      throw notFound(taskId);
    }
    return board;
  }

  private async changed(
    result: Changed,
    action: Action,
    ids: { agentId: string; board: string; taskId?: string },
  ): Promise<TaskView> {
    if (!result.ok) {
      throw await this.refusal(result, { ...ids, action });
    }
    return taskView(result.task);
  }

  /** The error a script's refusal means, worded for the caller (with the task read again to say why). */
  private async refusal(
    refused: Refused,
    ids: { agentId: string; board: string; taskId?: string; action?: Action },
  ): Promise<HttpException> {
    const { code, detail } = refused;
    const task = `task '${ids.taskId}'`;
    switch (code) {
      case ScriptCode.TooManyBoards:
        this.audit.record({ action: 'refused.limit', outcome: 'board cap', detail: `board=${ids.board}` });
        return new TooManyRequestsException(
          `the coordinator holds ${grouped(Number(detail))} boards (C3PO_MAX_BOARDS): use an existing board ` +
            '(an unused one leaves C3PO_TASK_KEEP_S after its last change)',
        );
      case ScriptCode.BoardFull:
        this.audit.record({ action: 'refused.limit', outcome: 'board full', detail: `board=${ids.board}` });
        return new TooManyRequestsException(
          `board '${ids.board}' holds ${grouped(Number(detail))} tasks (C3PO_MAX_TASKS_PER_BOARD): done and failed ` +
            'ones leave C3PO_TASK_KEEP_S after they closed; use another board meanwhile',
        );
      case ScriptCode.UnknownDependency:
        return new BadRequestException(
          `depends_on names '${String(detail)}', which is not a task of board '${ids.board}' ` +
            '(list_tasks shows its tasks): nothing was changed',
        );
      case ScriptCode.DependencyCycle: {
        const path = detail as string[];
        // The path runs from this task through what depends on it to the new dependency.
        const cycle = [ids.taskId!, ...path.slice(1).reverse(), ids.taskId!];
        return new BadRequestException(
          path.length === 1
            ? `${task} cannot depend on itself: nothing was changed`
            : `depends_on would make a cycle (${cycle.join(' → ')}, each depending on the next): ` +
                `leave out '${path.at(-1)}'; nothing was changed`,
        );
      }
      case ScriptCode.TaskNotFound:
        return notFound(ids.taskId!);
      case ScriptCode.NotAssignee:
        return new ForbiddenException(
          `${task} is claimed by '${String(detail)}', not you ('${ids.agentId}'): only its assignee can ${ids.action} it`,
        );
      case ScriptCode.TaskNotClaimed:
        return new ConflictException(`${task} is not claimed: claim_task it first`);
      case ScriptCode.TaskClaimed:
        if (ids.action === 'update') {
          return new ConflictException(
            `${task} is claimed by '${String(detail)}': its dependencies can change only while nobody holds it`,
          );
        }
        return new ConflictException(
          detail === ids.agentId
            ? `you already hold ${task}: complete_task, fail_task or release_task it`
            : `${task} is claimed by '${String(detail)}': claim another (claim_task without task_id) or wait_for_task`,
        );
      case ScriptCode.TaskWaiting:
        return new ConflictException(
          `${task} waits for ${byTaskNumber(detail as string[]).join(', ')} (not done yet): ` +
            'claim it once they are done, or claim_task without task_id for one that is claimable',
        );
      case ScriptCode.TaskDone: {
        const done = await this.store.get(ids.taskId!).catch(() => null);
        const by = done ? ` (completed by '${taskView(done).assignee}')` : '';
        return new ConflictException(
          ids.action === 'update'
            ? `${task} is done${by}: a done task does not change; create a new task instead`
            : `${task} is done${by}: nothing left to ${ids.action}`,
        );
      }
      case ScriptCode.TaskFailed: {
        const failed = await this.store.get(ids.taskId!).catch(() => null);
        const why = failed ? ` (${taskView(failed).reason})` : '';
        return new ConflictException(
          `${task} failed for good${why}: it cannot be ${ACTIONS[ids.action!]}; ` + 'create a new task for the work',
        );
      }
      default:
        return new ConflictException(`${task}: unexpected store answer ${code}`);
    }
  }

  private checkSize(field: string, value: string): void {
    checkMessageBytes(field, value, this.config.C3PO_MAX_MESSAGE_BYTES, 'write a summary');
  }
}

function notFound(taskId: string): NotFoundException {
  return new NotFoundException(
    `task '${taskId}' not found (done and failed tasks leave C3PO_TASK_KEEP_S after they closed): list_tasks shows the board's tasks`,
  );
}

function parseBoard(board: string | undefined): string {
  if (board === undefined) {
    return DEFAULT_BOARD;
  }
  if (!BOARD_PATTERN.test(board)) {
    throw new BadRequestException(
      `board '${board.slice(0, 80)}' is invalid: use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit`,
    );
  }
  return board;
}

function parseTaskId(taskId: string, field = 'task_id'): string {
  if (!TASK_ID_PATTERN.test(taskId)) {
    throw new BadRequestException(
      `${field} '${taskId.slice(0, 80)}' is invalid: use an id like task-12 from create_task`,
    );
  }
  return taskId;
}

function parsePriority(priority: number): number {
  if (!Number.isInteger(priority) || priority < 1 || priority > 10) {
    throw new BadRequestException(`priority ${priority} is invalid: use a whole number from 1 to 10 (10 most urgent)`);
  }
  return priority;
}

/** Distinct, well-formed ids, in the order given. */
function parseDependencies(ids: string[]): string[] {
  if (ids.length > MAX_TASK_LIST) {
    throw new BadRequestException(`depends_on names ${ids.length} tasks, over ${MAX_TASK_LIST}`);
  }
  return [...new Set(ids.map((id) => parseTaskId(id, 'depends_on entry')))];
}

/** Repository paths as reserve_files takes them, so that a worker can reserve a task's files as they are. */
function parseFiles(files: string[]): string[] {
  if (files.length > MAX_TASK_LIST) {
    throw new BadRequestException(`files names ${files.length} paths, over ${MAX_TASK_LIST}`);
  }
  return normalizeRepoPaths(files, 'files');
}

function parseCursor(cursor: string | undefined): string | undefined {
  if (cursor !== undefined && !CURSOR_PATTERN.test(cursor)) {
    throw new BadRequestException('cursor must be a next_cursor returned by get_board or list_tasks');
  }
  return cursor;
}
