import { UseInterceptors } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId } from '../agents/agent-id.decorator.js';
import { FindingsService } from '../findings/findings.service.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { toolArgs, toolResult } from './tool-call.js';

// Counts, sizes and tag spelling are checked by FindingsService, with messages: each bound in the
// schema would cost every session context for what only a wrong call needs to know.
const addFindingArgs = z.object({
  text: z.string(),
  tags: z.array(z.string()).optional(),
  files: z.array(z.string()).optional(),
});
// Numbers without .int(): zod writes an integer's safe bounds into the schema, 50 characters a
// number for nothing; the service refuses fractions.
const searchFindingsArgs = z.object({
  query: z.string().optional(),
  tags: z.array(z.string()).optional(),
  limit: z.number().optional(),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class FindingsTools {
  constructor(private readonly findings: FindingsService) {}

  @Tool({
    name: 'add_finding',
    description: 'Share a finding with all agents.',
    parameters: toolArgs(addFindingArgs),
  })
  async addFinding(@Payload() args: z.infer<typeof addFindingArgs>, @AgentId() agentId: string) {
    return toolResult(await this.findings.add(agentId, args));
  }

  @Tool({
    name: 'search_findings',
    description: 'Rank findings by query words, then newest; all tags must match.',
    parameters: toolArgs(searchFindingsArgs),
  })
  async searchFindings(@Payload() args: z.infer<typeof searchFindingsArgs>) {
    return toolResult(await this.findings.search(args));
  }
}
