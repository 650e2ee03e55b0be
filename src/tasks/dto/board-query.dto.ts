import { IsOptional, IsString } from 'class-validator';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';

/** `?limit=&cursor=` on GET /api/boards/:board: the page of tasks that comes with the board. */
export class BoardQueryDto {
  @IsOptional()
  @IsPageLimit()
  limit = 20;

  @IsOptional()
  @IsString()
  cursor?: string;
}
