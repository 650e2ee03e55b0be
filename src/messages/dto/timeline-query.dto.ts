import { Type } from 'class-transformer';
import { IsInt, IsString, Max, Min } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';

/** `?since=&type=&from=&limit=&cursor=` of GET /api/timeline (get_timeline). */
export class TimelineQueryDto {
  @IsOmittable()
  @IsString()
  since?: string;

  @IsOmittable()
  @IsString()
  type?: string;

  @IsOmittable()
  @IsString()
  from?: string;

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
