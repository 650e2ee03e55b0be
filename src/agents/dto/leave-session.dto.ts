import { Matches } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

export class LeaveSessionDto {
  @IsOmittable()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'session_id must be 1-128 letters, digits, ".", "_" or "-"' })
  session_id?: string;
}
