import { IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** The body of POST /api/tasks/claim: a task id, or a board whose best claimable task to claim. */
export class ClaimTaskDto {
  @IsOmittable()
  @IsString()
  task_id?: string;

  @IsOmittable()
  @IsString()
  board?: string;
}
