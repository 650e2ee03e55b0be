import { IsString, Matches } from 'class-validator';
import { IsOmittable } from '../../common/is-omittable.decorator.js';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';
import { DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT, RESERVATIONS_CURSOR_PATTERN } from '../reservations.service.js';

/** `?agent=&path=&limit=&cursor=` of GET /api/reservations. */
export class ListReservationsQueryDto {
  @IsOmittable()
  @IsString()
  agent?: string;

  @IsOmittable()
  @IsString()
  path?: string;

  @IsOmittable()
  @IsPageLimit(MAX_LIST_LIMIT)
  limit = DEFAULT_LIST_LIMIT;

  @IsOmittable()
  @Matches(RESERVATIONS_CURSOR_PATTERN, { message: 'cursor must be a next_cursor returned by list_reservations' })
  cursor?: string;
}
