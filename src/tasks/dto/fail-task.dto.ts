import { IsBoolean, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

export class FailTaskDto {
  @IsString()
  reason: string;

  /** true: available again for another claim, unless claimed C3PO_TASK_MAX_ATTEMPTS times. */
  @IsOmittable()
  @IsBoolean()
  retry?: boolean;
}
