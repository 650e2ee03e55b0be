import { IsOptional, Matches } from 'class-validator';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';
import { AGENTS_CURSOR_PATTERN } from '../agents.store.js';

/** `?limit=&cursor=` on GET /api/agents: at most 100 a page, 50 unless asked. */
export class ListAgentsQueryDto {
  @IsOptional()
  @IsPageLimit()
  limit = 50;

  @IsOptional()
  @Matches(AGENTS_CURSOR_PATTERN, { message: 'cursor must be a next_cursor returned by GET /api/agents' })
  cursor?: string;
}
