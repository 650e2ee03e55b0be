import { IsIn, IsOptional, Matches } from 'class-validator';
import { SESSION_ID_MESSAGE, SESSION_ID_PATTERN } from '../../agents/agent-id.js';

const SESSION_START_SOURCES = ['startup', 'resume', 'clear', 'compact'] as const;

/**
 * The fields of a hook's stdin JSON that every hook endpoint reads. Claude Code sends more
 * (transcript_path, cwd, hook_event_name, …) and adds fields over time: those are ignored.
 */
export class HookInputDto {
  @Matches(SESSION_ID_PATTERN, { message: SESSION_ID_MESSAGE })
  session_id!: string;
}

/** A SessionStart hook's input: `source` says why the session (re)started. */
export class SessionStartHookInputDto extends HookInputDto {
  @IsOptional()
  @IsIn(SESSION_START_SOURCES, { message: `source must be one of ${SESSION_START_SOURCES.join(', ')}` })
  source?: (typeof SESSION_START_SOURCES)[number];
}
