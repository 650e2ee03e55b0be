import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min } from 'class-validator';
import { TASK_STATUSES, type TaskStatus } from '../task-record.js';

/** `?board=&status=&assignee=&limit=&cursor=` on GET /api/tasks: list_tasks's arguments. */
export class ListTasksQueryDto {
  @IsOptional()
  @IsString()
  board?: string;

  @IsOptional()
  @IsIn(TASK_STATUSES)
  status?: TaskStatus;

  @IsOptional()
  @IsString()
  assignee?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 20;

  @IsOptional()
  @IsString()
  cursor?: string;
}
