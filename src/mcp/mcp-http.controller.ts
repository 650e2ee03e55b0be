import { Controller, UseGuards } from '@nestjs/common';
import { StreamableHttpController } from '@rekog/mcp-nest';
import { AgentIdGuard } from '../agents/agent-id.guard.js';

/** Owns the /mcp route so that the agent-id guard sees every MCP call. */
@Controller('mcp')
@UseGuards(AgentIdGuard)
export class McpHttpController extends StreamableHttpController {}
