import { UseInterceptors } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId } from '../agents/agent-id.decorator.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { AgentsService } from '../agents/agents.service.js';
import { AGENTS_CURSOR_PATTERN } from '../agents/agents.store.js';
import { toolArgs, toolResult } from './tool-call.js';

const registerAgentArgs = z.object({
  description: z.string().max(500).optional().describe('One line on what you work on, shown to other agents'),
  capabilities: z
    .array(z.string().min(1).max(100))
    .max(50)
    .optional()
    .describe('Tags for what you can help with, e.g. ["postgres"]'),
});
const listAgentsArgs = z.object({
  limit: z.number().int().min(1).max(100).default(50),
  cursor: z
    .string()
    .regex(AGENTS_CURSOR_PATTERN, 'cursor must be a next_cursor returned by list_agents')
    .optional()
    .describe('next_cursor of the last page'),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class AgentsTools {
  constructor(private readonly agents: AgentsService) {}

  @Tool({
    name: 'register_agent',
    description:
      'Make yourself known, with what you work on, so others can send you requests ' +
      '(the C3PO plugin registers you when a session starts).',
    parameters: toolArgs(registerAgentArgs),
  })
  async registerAgent(@Payload() args: z.infer<typeof registerAgentArgs>, @AgentId() agentId: string) {
    const registration = await this.agents.register(agentId, args);
    return toolResult({ agent_id: agentId, registered_at: registration.registered_at });
  }

  @Tool({
    name: 'list_agents',
    description:
      'Known agents with status, description, capabilities and push (true: a request wakes its idle session), ' +
      'most recently seen first, a page at a time.',
    parameters: toolArgs(listAgentsArgs),
  })
  async listAgents(@Payload() args: z.infer<typeof listAgentsArgs>) {
    return toolResult(await this.agents.list({ limit: args.limit, cursor: args.cursor }));
  }
}
