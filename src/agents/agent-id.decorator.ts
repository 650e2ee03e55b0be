import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import type { KeyHolder } from '../auth/api-keys.store.js';
import type { AgentRequest } from './agent-id.guard.js';

/**
 * The caller's agent id, set by AgentIdGuard: on REST handlers from the request, on MCP tools
 * from the HTTP request that carried the tool call.
 */
export const AgentId = createParamDecorator(
  (_: unknown, context: ExecutionContext): string => agentRequest(context).agentId,
);

/** The API key the call authenticated with (AgentIdGuard), or undefined while keys are off. */
export const CallerKey = createParamDecorator(
  (_: unknown, context: ExecutionContext): KeyHolder | undefined => agentRequest(context).apiKey,
);

function agentRequest(context: ExecutionContext): AgentRequest {
  return context.getType() === 'rpc'
    ? context.switchToRpc().getContext<McpContext>().getRawRequest<AgentRequest>()!
    : context.switchToHttp().getRequest<AgentRequest>();
}
