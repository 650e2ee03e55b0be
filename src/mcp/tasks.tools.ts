import { UseInterceptors } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId } from '../agents/agent-id.decorator.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { TASK_STATUSES } from '../tasks/task-record.js';
import { TasksService } from '../tasks/tasks.service.js';
import { toolArgs, toolResult, waitHooks } from './tool-call.js';

// Lean schemas: every session pays for them in context. The service checks ids, board names,
// sizes and priorities, with the same messages for MCP and REST.
const board = z.string().optional();
const taskId = z.string();
const priority = z.number().int().min(1).max(10);
const ids = z.array(z.string());

const setPlanArgs = z.object({ goal: z.string(), plan: z.string(), board });
const getBoardArgs = z.object({ board });
const createTaskArgs = z.object({
  title: z.string(),
  description: z.string(),
  priority: priority.optional().describe('10 most urgent, default 5'),
  depends_on: ids.optional().describe('Task ids that must be done first'),
  files: ids.optional(),
  hints: z.string().optional(),
  board,
});
const claimTaskArgs = z.object({ task_id: taskId.optional(), board });
const completeTaskArgs = z.object({ task_id: taskId, result: z.string() });
const failTaskArgs = z.object({
  task_id: taskId,
  reason: z.string(),
  retry: z.boolean().optional().describe('Make it available again'),
});
const releaseTaskArgs = z.object({ task_id: taskId });
const updateTaskArgs = z.object({
  task_id: taskId,
  priority: priority.optional(),
  description: z.string().optional(),
  depends_on: ids.optional(),
});
const listTasksArgs = z.object({
  status: z.enum(TASK_STATUSES).optional(),
  assignee: z.string().optional(),
  board,
  limit: z.number().int().min(1).max(100).optional(),
  cursor: z.string().optional(),
});
const waitForTaskArgs = z.object({
  board,
  timeout: z.number().int().min(0).max(3600).default(60).describe('Seconds'),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class TasksTools {
  constructor(private readonly tasks: TasksService) {}

  @Tool({
    name: 'set_plan',
    description: "Set a task board's goal and plan (board: default 'default').",
    parameters: toolArgs(setPlanArgs),
  })
  async setPlan(@Payload() args: z.infer<typeof setPlanArgs>, @AgentId() agentId: string) {
    return toolResult(await this.tasks.setPlan(agentId, args));
  }

  @Tool({
    name: 'get_board',
    description: "A board's goal, plan, task counts by status and first tasks; list_tasks pages on.",
    parameters: toolArgs(getBoardArgs),
  })
  async getBoard(@Payload() args: z.infer<typeof getBoardArgs>) {
    return toolResult(await this.tasks.board(args.board));
  }

  @Tool({
    name: 'create_task',
    description: 'Add a task to a board; it is claimable once its dependencies are done.',
    parameters: toolArgs(createTaskArgs),
  })
  async createTask(@Payload() args: z.infer<typeof createTaskArgs>, @AgentId() agentId: string) {
    return toolResult({ task: await this.tasks.create(agentId, args) });
  }

  @Tool({
    name: 'claim_task',
    description:
      'Claim a task: the named one, or the most urgent claimable one. Yours until lease_expires_at, renewed while you are active.',
    parameters: toolArgs(claimTaskArgs),
  })
  async claimTask(@Payload() args: z.infer<typeof claimTaskArgs>, @AgentId() agentId: string) {
    return toolResult(await this.tasks.claim(agentId, args));
  }

  @Tool({
    name: 'complete_task',
    description: 'Finish your claimed task with its result.',
    parameters: toolArgs(completeTaskArgs),
  })
  async completeTask(@Payload() args: z.infer<typeof completeTaskArgs>, @AgentId() agentId: string) {
    return toolResult({ task: await this.tasks.complete(agentId, args.task_id, args.result) });
  }

  @Tool({
    name: 'fail_task',
    description: 'Give up your claimed task, saying why.',
    parameters: toolArgs(failTaskArgs),
  })
  async failTask(@Payload() args: z.infer<typeof failTaskArgs>, @AgentId() agentId: string) {
    return toolResult(await this.tasks.fail(agentId, args.task_id, args.reason, args.retry));
  }

  @Tool({
    name: 'release_task',
    description: 'Hand your claimed task back, unfinished, for someone else.',
    parameters: toolArgs(releaseTaskArgs),
  })
  async releaseTask(@Payload() args: z.infer<typeof releaseTaskArgs>, @AgentId() agentId: string) {
    return toolResult({ task: await this.tasks.release(agentId, args.task_id) });
  }

  @Tool({
    name: 'update_task',
    description: "Change a task's priority, description or dependencies.",
    parameters: toolArgs(updateTaskArgs),
  })
  async updateTask(@Payload() args: z.infer<typeof updateTaskArgs>, @AgentId() agentId: string) {
    const { task_id, ...changes } = args;
    return toolResult({ task: await this.tasks.update(agentId, task_id, changes) });
  }

  @Tool({
    name: 'list_tasks',
    description: "A board's tasks, oldest first, a page at a time (pass next_cursor).",
    parameters: toolArgs(listTasksArgs),
  })
  async listTasks(@Payload() args: z.infer<typeof listTasksArgs>) {
    return toolResult(await this.tasks.list(args));
  }

  @Tool({
    name: 'wait_for_task',
    description: 'Wait until a task of the board is claimable, and claim it for you.',
    parameters: toolArgs(waitForTaskArgs),
  })
  async waitForTask(
    @Payload() args: z.infer<typeof waitForTaskArgs>,
    @AgentId() agentId: string,
    @Ctx() ctx: McpContext,
  ) {
    const hooks = waitHooks(ctx, 'a claimable task');
    return toolResult(await this.tasks.waitForTask(agentId, args.board, args.timeout, hooks));
  }
}
