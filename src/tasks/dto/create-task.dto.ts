import { ArrayMaxSize, IsArray, IsInt, IsString, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { MAX_TASK_LIST } from '../tasks.service.js';

/** The body of POST /api/tasks: create_task's arguments (ids, board and sizes are checked by the service). */
export class CreateTaskDto {
  @IsString()
  title: string;

  @IsString()
  description: string;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(10)
  priority?: number;

  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_TASK_LIST)
  @IsString({ each: true })
  depends_on?: string[];

  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(MAX_TASK_LIST)
  @IsString({ each: true })
  files?: string[];

  @IsOmittable()
  @IsString()
  hints?: string;

  @IsOmittable()
  @IsString()
  board?: string;
}
