import { IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';

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
  @IsPageLimit()
  limit?: number;

  @IsOmittable()
  @IsString()
  cursor?: string;
}
