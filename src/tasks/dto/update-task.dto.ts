import { IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPriority } from '../../common/is-priority.decorator.js';
import { IsStringList } from '../../common/is-string-list.decorator.js';
import { MAX_TASK_LIST } from '../tasks.service.js';

/** The body of PATCH /api/tasks/:task_id: what update_task may change. */
export class UpdateTaskDto {
  @IsOmittable()
  @IsPriority()
  priority?: number;

  @IsOmittable()
  @IsString()
  description?: string;

  @IsOmittable()
  @IsStringList(MAX_TASK_LIST)
  depends_on?: string[];
}
