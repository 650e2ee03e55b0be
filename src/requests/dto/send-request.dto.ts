import { IsString, Length, Matches } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** The body of POST /api/requests: the send_request tool's arguments, checked the same way. */
export class SendRequestDto {
  @IsString()
  target: string;

  @IsString()
  message: string;

  @IsOmittable()
  @IsString()
  context?: string;

  @IsOmittable()
  @Matches(/^[A-Za-z0-9_-]{1,100}$/, { message: 'conversation_id must be an id returned by an earlier C3PO call' })
  conversation_id?: string;

  @IsOmittable()
  @IsString()
  @Length(1, 200)
  idempotency_key?: string;
}
