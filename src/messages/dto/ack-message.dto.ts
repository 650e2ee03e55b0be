import { IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** The body of POST /api/messages/:id/ack (may be empty). */
export class AckMessageDto {
  @IsOmittable()
  @IsString()
  comment?: string;
}
