import { IsBoolean, IsInt, IsString, Length, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPriority } from '../../common/is-priority.decorator.js';
import { CORRELATION_ID_MAX_CHARS, MESSAGE_TTL_MAX_S, SUBJECT_MAX_CHARS } from '../message-record.js';

/** The body of POST /api/messages: the publish tool's arguments, checked the same way. */
export class PublishMessageDto {
  @IsOmittable()
  @IsString()
  to?: string;

  @IsOmittable()
  @IsString()
  topic?: string;

  @IsString()
  type: string;

  @IsString()
  @Length(1, SUBJECT_MAX_CHARS)
  subject: string;

  @IsString()
  body: string;

  @IsOmittable()
  @IsPriority()
  priority?: number;

  @IsOmittable()
  @IsInt()
  @Min(1)
  @Max(MESSAGE_TTL_MAX_S)
  ttl_s?: number;

  @IsOmittable()
  @IsString()
  @Length(1, CORRELATION_ID_MAX_CHARS)
  correlation_id?: string;

  @IsOmittable()
  @IsBoolean()
  ack_required?: boolean;
}
