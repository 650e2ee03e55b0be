import { Controller, HttpCode, Post, Req, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import type { Request } from 'express';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { HookInputDto, SessionStartHookInputDto } from './dto/hook-input.dto.js';
import { StopHookInputDto } from './dto/stop-hook-input.dto.js';
import { HookInput } from './hook-input.decorator.js';
import { HookOutput, HooksService } from './hooks.service.js';
import { KeyRefusalFilter } from './key-refusal.filter.js';
import { NoContentInterceptor } from './no-content.interceptor.js';

/** The plugin's hook sends the coordinator URL it uses: behind a TLS proxy only the host knows it. */
const COORDINATOR_URL_HEADER = 'x-c3po-coordinator-url';
const COORDINATOR_URL = /^https?:\/\/[!-~]{1,300}$/;
/** The SessionStart hook says whether Claude Code was started with C3PO's channels (`on`, `off`), when it can tell. */
const CHANNELS_HEADER = 'x-c3po-channels';

/**
 * One route per Claude Code hook: the body is the hook's stdin JSON as Claude Code sends it, the
 * answer the JSON the hook prints (200), or 204 when it prints nothing. A refused API key is
 * answered as the hook output that tells the user (KeyRefusalFilter).
 */
@Controller('api/hooks')
@UseGuards(AgentIdGuard)
@UseFilters(KeyRefusalFilter)
@UseInterceptors(NoContentInterceptor)
export class HooksController {
  constructor(private readonly hooks: HooksService) {}

  @Post('session-start')
  @HttpCode(200)
  sessionStart(
    @AgentId() agentId: string,
    @CallerKey() key: KeyHolder | undefined,
    @HookInput() input: SessionStartHookInputDto,
    @Req() request: Request,
  ): Promise<HookOutput> {
    return this.hooks.sessionStart(agentId, input, {
      coordinatorUrl: coordinatorUrl(request),
      channels: channels(request),
      key,
    });
  }

  @Post('stop')
  @HttpCode(200)
  stop(@AgentId() agentId: string, @HookInput() input: StopHookInputDto): Promise<HookOutput | null> {
    return this.hooks.stop(agentId, input.session_id, input.stop_hook_active);
  }

  @Post('post-tool-use')
  @HttpCode(200)
  postToolUse(@AgentId() agentId: string, @HookInput() input: HookInputDto): Promise<HookOutput | null> {
    return this.hooks.postToolUse(agentId, input.session_id);
  }

  @Post('session-end')
  @HttpCode(200)
  sessionEnd(@AgentId() agentId: string, @HookInput() input: HookInputDto): Promise<null> {
    return this.hooks.sessionEnd(agentId, input.session_id);
  }
}

/** The URL the hook says it reaches the coordinator at, else the one this request came in on. */
function coordinatorUrl(request: Request): string {
  const told = request.headers[COORDINATOR_URL_HEADER];
  return typeof told === 'string' && COORDINATOR_URL.test(told) ? told : `${request.protocol}://${request.get('host')}`;
}

/** Whether the session has C3PO's channels: true, false, or undefined when the hook could not tell. */
function channels(request: Request): boolean | undefined {
  const told = request.headers[CHANNELS_HEADER];
  return told === 'on' ? true : told === 'off' ? false : undefined;
}
