import { ArrayMaxSize, IsArray, IsInt, IsString, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { MAX_TASK_LIST } from '../tasks.service.js';

/** The body of PATCH /api/tasks/:task_id: what update_task may change. */
export class UpdateTaskDto {
  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;

  @IsOmittable()
  @IsString()
  description?: string;

  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_TASK_LIST)
  @IsString({ each: true })
  depends_on?: string[];
}
