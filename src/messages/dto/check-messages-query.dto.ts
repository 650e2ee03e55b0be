import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsInt, IsString, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

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
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @IsOmittable()
  @IsString()
  cursor?: string;
}
