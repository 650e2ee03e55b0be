import { Transform } from 'class-transformer';
import { IsArray, IsString } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';
import { DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT } from '../findings.service.js';

/** `?query=&tags=a,b&limit=` of GET /api/findings (tags comma-separated, or repeated). */
export class SearchFindingsQueryDto {
  @IsOmittable()
  @IsString()
  query?: string;

  @IsOmittable()
  @Transform(({ value }: { value: unknown }) =>
    (Array.isArray(value) ? value : [value]).flatMap((entry) =>
      typeof entry === 'string' ? entry.split(',').filter((tag) => tag !== '') : [entry],
    ),
  )
  @IsArray()
  @IsString({ each: true })
  tags?: string[];

  @IsOmittable()
  @IsPageLimit(MAX_SEARCH_LIMIT)
  limit = DEFAULT_SEARCH_LIMIT;
}
