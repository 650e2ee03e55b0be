import { Body, Controller, Get, Post, Query, UseGuards } from '@nestjs/common';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import { PageQueryDto } from './dto/page-query.dto.js';
import { SendRequestDto } from './dto/send-request.dto.js';
import { RequestsService, SendRequestResult } from './requests.service.js';

export interface PendingPreview {
  request_id: string;
  from_agent: string;
  message: string;
  context: string | null;
  created_at: string;
  state: string;
}

/** Hook scripts' preview cut: enough to say what is asked, small enough for a hook's output. */
const HOOK_PREVIEW_BYTES = { message: 500, context: 200 };

/** Requests over REST, for scripts: a peek at the inbox (it never hands anything out), and sends. */
@Controller('api')
@UseGuards(AgentIdGuard)
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  /** `count` is every open request; `requests` the oldest `limit` of them (default 20, at most 100). */
  @Get('pending')
  async pending(
    @AgentId() agentId: string,
    @Query() query: PageQueryDto,
  ): Promise<{ count: number; requests: PendingPreview[] }> {
    const page = await this.requests.pending(agentId, {
      limit: query.limit,
      lease: false,
      previewBytes: HOOK_PREVIEW_BYTES,
    });
    return {
      count: page.total,
      requests: page.requests.map((request) => ({
        request_id: request.request_id,
        from_agent: request.from_agent,
        message: request.message,
        context: request.context,
        created_at: request.created_at,
        state: request.state,
      })),
    };
  }

  /** send_request for scripts: the same checks, limits and answer; 201. */
  @Post('requests')
  send(
    @AgentId() agentId: string,
    @Body() body: SendRequestDto,
    @CallerKey() key: KeyHolder | undefined,
  ): Promise<SendRequestResult> {
    return this.requests.send(agentId, body, key);
  }
}
