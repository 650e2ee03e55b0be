import { Matches } from 'class-validator';
import { SESSION_ID_MESSAGE, SESSION_ID_PATTERN } from '../../agents/agent-id.js';

/**
 * The fields of a hook's stdin JSON that every hook endpoint reads. Claude Code sends more
 * (transcript_path, cwd, hook_event_name, …) and adds fields over time: those are ignored.
 */
export class HookInputDto {
  @Matches(SESSION_ID_PATTERN, { message: SESSION_ID_MESSAGE })
  session_id!: string;
}
