import { Controller, Get, UseGuards } from '@nestjs/common';
import { AgentId } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import { RequestsService } from './requests.service.js';

export interface PendingPreview {
  request_id: string;
  from_agent: string;
  message: string;
  context: string | null;
  created_at: string;
  state: string;
}

/** What hook scripts poll. A peek: it never marks anything delivered. */
@Controller('api/pending')
@UseGuards(AgentIdGuard)
export class RequestsController {
  constructor(private readonly requests: RequestsService) {}

  @Get()
  async pending(@AgentId() agentId: string): Promise<{ count: number; requests: PendingPreview[] }> {
    const requests = await this.requests.pending(agentId, false);
    return {
      count: requests.length,
      requests: requests.map((request) => ({
        request_id: request.request_id,
        from_agent: request.from_agent,
        message: request.message.slice(0, 500),
        context: request.context?.slice(0, 200) ?? null,
        created_at: request.created_at,
        state: request.state,
      })),
    };
  }
}
