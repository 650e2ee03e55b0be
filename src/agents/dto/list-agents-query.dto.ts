import { Type } from 'class-transformer';
import { IsInt, IsOptional, Matches, Max, Min } from 'class-validator';
import { AGENTS_CURSOR_PATTERN } from '../agents.store.js';

/** `?limit=&cursor=` on GET /api/agents: at most 100 a page, 50 unless asked. */
export class ListAgentsQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit = 50;

  @IsOptional()
  @Matches(AGENTS_CURSOR_PATTERN, { message: 'cursor must be a next_cursor returned by GET /api/agents' })
  cursor?: string;
}
