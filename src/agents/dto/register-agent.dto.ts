import { ArrayMaxSize, IsArray, IsString, Matches, MaxLength } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

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
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'session_id must be 1-128 letters, digits, ".", "_" or "-"' })
  session_id?: string;
}
