import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { SESSION_ID_MESSAGE, SESSION_ID_PATTERN } from '../agent-id.js';

export class RegisterAgentDto {
  @IsOmittable()
  @IsString()
  @MaxLength(500)
  description?: string;

  @IsOmittable()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  capabilities?: string[];

  @IsOmittable()
  @Matches(SESSION_ID_PATTERN, { message: SESSION_ID_MESSAGE })
  session_id?: string;
}
