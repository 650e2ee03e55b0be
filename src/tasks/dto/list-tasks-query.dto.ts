import { IsIn, IsOptional, IsString } from 'class-validator';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';
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
  @IsPageLimit()
  limit = 20;

  @IsOptional()
  @IsString()
  cursor?: string;
}
