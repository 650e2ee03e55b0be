import { IsOptional, Matches } from 'class-validator';

export class LeaveSessionDto {
  @IsOptional()
  @Matches(/^[A-Za-z0-9._-]{1,128}$/, { message: 'session_id must be 1-128 letters, digits, ".", "_" or "-"' })
  session_id?: string;
}
