import { Transform } from 'class-transformer';
import { IsBoolean, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';

/** `?from=&type=&topic=&since=&unacked_only=&limit=&cursor=` of GET /api/messages (check_messages). */
export class CheckMessagesQueryDto {
  @IsOmittable()
  @IsString()
  from?: string;

  @IsOmittable()
  @IsString()
  type?: string;

  @IsOmittable()
  @IsString()
  topic?: string;

  @IsOmittable()
  @IsString()
  since?: string;

  /** `true` or `false`; anything else is refused. */
  @IsOmittable()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean({ message: 'unacked_only must be true or false' })
  unacked_only?: boolean;

  @IsOmittable()
  @IsPageLimit()
  limit?: number;

  @IsOmittable()
  @IsString()
  cursor?: string;
}
