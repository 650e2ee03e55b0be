import { Matches } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { SESSION_ID_MESSAGE, SESSION_ID_PATTERN } from '../agent-id.js';

export class LeaveSessionDto {
  @IsOmittable()
  @Matches(SESSION_ID_PATTERN, { message: SESSION_ID_MESSAGE })
  session_id?: string;
}
