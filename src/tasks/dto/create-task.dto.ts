import { IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPriority } from '../../common/is-priority.decorator.js';
import { IsStringList } from '../../common/is-string-list.decorator.js';
import { MAX_TASK_LIST } from '../tasks.service.js';

/** The body of POST /api/tasks: create_task's arguments (ids, board and sizes are checked by the service). */
export class CreateTaskDto {
  @IsString()
  title: string;

  @IsString()
  description: string;

  @IsOmittable()
  @IsPriority()
  priority?: number;

  @IsOmittable()
  @IsStringList(MAX_TASK_LIST)
  depends_on?: string[];

  @IsOmittable()
  @IsStringList(MAX_TASK_LIST)
  files?: string[];

  @IsOmittable()
  @IsString()
  hints?: string;

  @IsOmittable()
  @IsString()
  board?: string;
}
