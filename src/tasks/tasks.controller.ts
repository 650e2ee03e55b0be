import { Body, Controller, Get, HttpCode, Param, Patch, Post, Put, Query, UseGuards } from '@nestjs/common';
import { AgentId } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import { BoardQueryDto } from './dto/board-query.dto.js';
import { ClaimTaskDto } from './dto/claim-task.dto.js';
import { CompleteTaskDto } from './dto/complete-task.dto.js';
import { CreateTaskDto } from './dto/create-task.dto.js';
import { FailTaskDto } from './dto/fail-task.dto.js';
import { ListTasksQueryDto } from './dto/list-tasks-query.dto.js';
import { SetPlanDto } from './dto/set-plan.dto.js';
import { UpdateTaskDto } from './dto/update-task.dto.js';
import { BoardView, PlanView, TaskView } from './task-record.js';
import { ClaimResult, TasksService } from './tasks.service.js';

/** The task board over REST, for scripts and humans with curl: the tools' arguments and answers. */
@Controller('api')
@UseGuards(AgentIdGuard)
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get('boards/:board')
  board(@Param('board') board: string, @Query() query: BoardQueryDto): Promise<BoardView> {
    return this.tasks.board(board, query);
  }

  @Put('boards/:board/plan')
  setPlan(@AgentId() agentId: string, @Param('board') board: string, @Body() body: SetPlanDto): Promise<PlanView> {
    return this.tasks.setPlan(agentId, { ...body, board });
  }

  @Get('tasks')
  list(@Query() query: ListTasksQueryDto): Promise<{ tasks: TaskView[]; next_cursor: string | null }> {
    return this.tasks.list(query);
  }

  /** 201 and the new task. */
  @Post('tasks')
  async create(@AgentId() agentId: string, @Body() body: CreateTaskDto): Promise<{ task: TaskView }> {
    return { task: await this.tasks.create(agentId, body) };
  }

  @Post('tasks/claim')
  @HttpCode(200)
  claim(@AgentId() agentId: string, @Body() body: ClaimTaskDto): Promise<ClaimResult> {
    return this.tasks.claim(agentId, body);
  }

  @Get('tasks/:task_id')
  async get(@Param('task_id') taskId: string): Promise<{ task: TaskView }> {
    return { task: await this.tasks.get(taskId) };
  }

  @Patch('tasks/:task_id')
  async update(
    @AgentId() agentId: string,
    @Param('task_id') taskId: string,
    @Body() body: UpdateTaskDto,
  ): Promise<{ task: TaskView }> {
    return { task: await this.tasks.update(agentId, taskId, body) };
  }

  @Post('tasks/:task_id/complete')
  @HttpCode(200)
  async complete(
    @AgentId() agentId: string,
    @Param('task_id') taskId: string,
    @Body() body: CompleteTaskDto,
  ): Promise<{ task: TaskView }> {
    return { task: await this.tasks.complete(agentId, taskId, body.result) };
  }

  @Post('tasks/:task_id/fail')
  @HttpCode(200)
  fail(
    @AgentId() agentId: string,
    @Param('task_id') taskId: string,
    @Body() body: FailTaskDto,
  ): Promise<{ task: TaskView; message?: string }> {
    return this.tasks.fail(agentId, taskId, body.reason, body.retry);
  }

  @Post('tasks/:task_id/release')
  @HttpCode(200)
  async release(@AgentId() agentId: string, @Param('task_id') taskId: string): Promise<{ task: TaskView }> {
    return { task: await this.tasks.release(agentId, taskId) };
  }
}
