import { IsOptional, Matches } from 'class-validator';
import { IsPageLimit } from '../../common/is-page-limit.decorator.js';

/** `?limit=&before=&agent=&action=` on the audit log: newest first, 50 a page unless asked. */
export class AuditQueryDto {
  @IsOptional()
  @IsPageLimit(1000)
  limit = 50;

  @IsOptional()
  @Matches(/^\d{1,15}-\d{1,10}$/, { message: 'before must be an entry id (next_before of the previous page)' })
  before?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'agent must be an agent id' })
  agent?: string;

  @IsOptional()
  @Matches(/^[a-z.]{1,40}$/, { message: "action must be an action or its start ('key', 'refused')" })
  action?: string;
}
