import { Body, Controller, Get, HttpCode, Post, Query, UseGuards } from '@nestjs/common';
import { AgentId } from './agent-id.decorator.js';
import { AgentIdGuard } from './agent-id.guard.js';
import { AgentsPageView, AgentsService, Registration } from './agents.service.js';
import { LeaveSessionDto } from './dto/leave-session.dto.js';
import { ListAgentsQueryDto } from './dto/list-agents-query.dto.js';
import { RegisterAgentDto } from './dto/register-agent.dto.js';

@Controller('api/agents')
@UseGuards(AgentIdGuard)
export class AgentsController {
  constructor(private readonly agents: AgentsService) {}

  @Post('register')
  @HttpCode(200)
  register(@AgentId() agentId: string, @Body() body: RegisterAgentDto = {}): Promise<Registration> {
    const { session_id, ...profile } = body;
    return this.agents.register(agentId, profile, session_id);
  }

  @Post('leave')
  @HttpCode(200)
  async leave(
    @AgentId() agentId: string,
    @Body() body: LeaveSessionDto = {},
  ): Promise<{ agent_id: string; left: boolean }> {
    return { agent_id: agentId, left: await this.agents.leave(agentId, body.session_id) };
  }

  /** The same page as list_agents: `limit` 1-100 (default 50), `cursor` a `next_cursor`. */
  @Get()
  list(@Query() query: ListAgentsQueryDto): Promise<AgentsPageView> {
    return this.agents.list({ limit: query.limit, cursor: query.cursor });
  }
}
