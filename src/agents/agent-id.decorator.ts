import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import type { AgentRequest } from './agent-id.guard.js';

/**
 * The caller's agent id, set by AgentIdGuard: on REST handlers from the request, on MCP tools
 * from the HTTP request that carried the tool call.
 */
export const AgentId = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const request =
    context.getType() === 'rpc'
      ? context.switchToRpc().getContext<McpContext>().getRawRequest<AgentRequest>()
      : context.switchToHttp().getRequest<AgentRequest>();
  return request!.agentId;
});
