import { isoFromMs } from '../common/timestamps.js';
import { fromFlat } from '../redis/from-flat.js';
import type { TaskFlat } from '../redis/script-catalog.js';

export const TASK_STATUSES = ['available', 'claimed', 'done', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

/** A task hash as stored: strings only, times in epoch ms, lists as JSON. */
export interface TaskRecord {
  task_id: string;
  board: string;
  title: string;
  description: string;
  priority: string;
  /** JSON array of task ids. */
  depends_on: string;
  /** JSON array of paths. */
  files: string;
  hints: string;
  status: TaskStatus;
  /** Claims so far. */
  attempts: string;
  created_by: string;
  created_at: string;
  /** Order of creation, from the one task id counter. */
  seq: string;
  /** The claimer while claimed; who completed or failed it after. */
  assignee?: string;
  claimed_at?: string;
  lease_until?: string;
  completed_at?: string;
  result?: string;
  failed_at?: string;
  /** Why it failed for good, or why its last claim ended without a result. */
  reason?: string;
}

/** A task as tools and REST show it. */
export interface TaskView {
  task_id: string;
  board: string;
  title: string;
  description: string;
  priority: number;
  depends_on: string[];
  files: string[];
  hints: string | null;
  status: TaskStatus;
  assignee: string | null;
  attempts: number;
  created_by: string;
  created_at: string;
  claimed_at: string | null;
  lease_expires_at: string | null;
  completed_at: string | null;
  result: string | null;
  failed_at: string | null;
  reason: string | null;
  /** Dependencies not done yet: claimable only when empty. */
  waiting_for: string[];
}

type TaskCounts = Record<TaskStatus, number>;

export interface BoardView {
  board: string;
  goal: string | null;
  plan: string | null;
  counts: TaskCounts;
  tasks: TaskView[];
  next_cursor: string | null;
}

export interface PlanView {
  board: string;
  goal: string;
  plan: string;
  updated_at: string;
  updated_by: string;
}

/** The board hash as stored. */
export interface BoardRecord {
  goal?: string;
  plan?: string;
  updated_at?: string;
  updated_by?: string;
}

/** Task ids in creation order: "task-9" before "task-10". */
export function byTaskNumber(ids: string[]): string[] {
  return [...ids].sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
}

export function taskView([flat, waiting]: TaskFlat): TaskView {
  const record = fromFlat<TaskRecord>(flat);
  return {
    task_id: record.task_id,
    board: record.board,
    title: record.title,
    description: record.description,
    priority: Number(record.priority),
    depends_on: JSON.parse(record.depends_on) as string[],
    files: JSON.parse(record.files) as string[],
    hints: record.hints || null,
    status: record.status,
    assignee: record.assignee ?? null,
    attempts: Number(record.attempts),
    created_by: record.created_by,
    created_at: isoFromMs(record.created_at)!,
    claimed_at: isoFromMs(record.claimed_at),
    lease_expires_at: isoFromMs(record.lease_until),
    completed_at: isoFromMs(record.completed_at),
    result: record.result ?? null,
    failed_at: isoFromMs(record.failed_at),
    reason: record.reason ?? null,
    waiting_for: byTaskNumber(waiting),
  };
}
