import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';

/** `?limit=&offset=` on a REST listing: at most 100 a page, 20 unless asked. */
export class PageQueryDto {
  @IsOptional()
  @IsPageLimit()
  limit = 20;

  /** At most MAX_SAFE_INTEGER: 1e20 passes IsInt, but Redis refuses it as an index (a 500). */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  offset = 0;
}
