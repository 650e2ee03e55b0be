import { UseInterceptors } from '@nestjs/common';
import { Ctx, Payload } from '@nestjs/microservices';
import { McpContext, McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { RequestsService } from '../requests/requests.service.js';
import { toolArgs, toolResult, waitHooks } from './tool-call.js';

const id = (what: string) =>
  z.string().regex(/^[A-Za-z0-9_-]{1,100}$/, `${what} must be an id returned by an earlier C3PO call`);
const timeout = z
  .number()
  .int()
  .min(0)
  .max(3600)
  .default(60)
  .describe('Seconds; a timeout is no failure: call again to keep waiting');

const sendRequestArgs = z.object({
  target: z.string().describe('Agent id (list_agents)'),
  message: z.string().describe('Self-contained: the other agent cannot see your context'),
  context: z.string().optional().describe('Background: file paths, errors, constraints'),
  conversation_id: id('conversation_id').optional().describe('Continue this conversation'),
  idempotency_key: z
    .string()
    .min(1)
    .max(200)
    .optional()
    .describe('A repeat with the same key returns the first request'),
});
const respondArgs = z.object({
  request_id: id('request_id'),
  response: z.string().describe('Your answer'),
  status: z.enum(['success', 'error', 'declined']).default('success'),
});
const waitForResponseArgs = z.object({ request_id: id('request_id'), timeout });
const waitForRequestArgs = z.object({ timeout });
const conversationArgs = z.object({ conversation_id: id('conversation_id') });
const requestArgs = z.object({ request_id: id('request_id') });
const pendingArgs = z.object({
  limit: z.number().int().min(1).max(100).default(20),
  cursor: z
    .string()
    .regex(/^\d+$/, 'cursor must be a next_cursor returned by get_pending_requests')
    .optional()
    .describe('next_cursor of the last page'),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class RequestsTools {
  constructor(private readonly requests: RequestsService) {}

  @Tool({
    name: 'send_request',
    description:
      'Ask another agent for help. Returns a request_id at once; then call wait_for_response. ' +
      'An offline agent gets it when it comes back.',
    parameters: toolArgs(sendRequestArgs),
  })
  async sendRequest(
    @Payload() args: z.infer<typeof sendRequestArgs>,
    @AgentId() agentId: string,
    @CallerKey() key: KeyHolder | undefined,
  ) {
    return toolResult(await this.requests.send(agentId, args, key));
  }

  @Tool({
    name: 'get_pending_requests',
    description:
      'Requests waiting for your answer, oldest first, a page at a time (pass next_cursor for more). ' +
      'Long texts are cut (truncated: true): get_request has them whole. Answer each with respond_to_request.',
    parameters: toolArgs(pendingArgs),
  })
  async getPendingRequests(@Payload() args: z.infer<typeof pendingArgs>, @AgentId() agentId: string) {
    return toolResult(await this.requests.pending(agentId, { limit: args.limit, cursor: args.cursor, lease: true }));
  }

  @Tool({
    name: 'get_request',
    description: 'One request you sent or received, whole.',
    parameters: toolArgs(requestArgs),
  })
  async getRequest(@Payload() args: z.infer<typeof requestArgs>, @AgentId() agentId: string) {
    return toolResult({ request: await this.requests.get(agentId, args.request_id) });
  }

  @Tool({
    name: 'get_request_status',
    description:
      'Where a request you sent or received stands (queued, delivered, answered, undeliverable, cancelled, ' +
      'expired), with times and receipts (pushed_at: its session was notified; seen_at: it was read).',
    parameters: toolArgs(requestArgs),
  })
  async getRequestStatus(@Payload() args: z.infer<typeof requestArgs>, @AgentId() agentId: string) {
    return toolResult(await this.requests.status(agentId, args.request_id));
  }

  @Tool({
    name: 'cancel_request',
    description: 'Withdraw a request you sent that is not answered yet; its addressee can no longer answer it.',
    parameters: toolArgs(requestArgs),
  })
  async cancelRequest(@Payload() args: z.infer<typeof requestArgs>, @AgentId() agentId: string) {
    return toolResult(await this.requests.cancel(agentId, args.request_id));
  }

  @Tool({
    name: 'respond_to_request',
    description:
      'Answer a request addressed to you (once; repeating the same answer is harmless). ' +
      'status: success (default), error or declined.',
    parameters: toolArgs(respondArgs),
  })
  async respondToRequest(@Payload() args: z.infer<typeof respondArgs>, @AgentId() agentId: string) {
    const answered = await this.requests.respond(agentId, args.request_id, args.response, args.status);
    return toolResult({ request_id: answered.request_id, status: answered.status });
  }

  @Tool({
    name: 'wait_for_response',
    description:
      'Wait for the answer to a request you sent. Returns at once if it is answered, undeliverable, cancelled ' +
      'or expired; a timeout says how far the request got.',
    parameters: toolArgs(waitForResponseArgs),
  })
  async waitForResponse(
    @Payload() args: z.infer<typeof waitForResponseArgs>,
    @AgentId() agentId: string,
    @Ctx() ctx: McpContext,
  ) {
    const hooks = waitHooks(ctx, `the answer to ${args.request_id}`);
    return toolResult(await this.requests.waitForResponse(agentId, args.request_id, args.timeout, hooks));
  }

  @Tool({
    name: 'wait_for_request',
    description:
      'Wait until another agent sends you a request, then return it. It is leased to you until ' +
      'lease_expires_at: answer it by then (reading it with get_request renews the lease), or it is queued again.',
    parameters: toolArgs(waitForRequestArgs),
  })
  async waitForRequest(
    @Payload() args: z.infer<typeof waitForRequestArgs>,
    @AgentId() agentId: string,
    @Ctx() ctx: McpContext,
  ) {
    return toolResult(await this.requests.waitForRequest(agentId, args.timeout, waitHooks(ctx, 'a request')));
  }

  @Tool({
    name: 'get_conversation',
    description: 'Every request and answer in a conversation you take part in, in order.',
    parameters: toolArgs(conversationArgs),
  })
  async getConversation(@Payload() args: z.infer<typeof conversationArgs>, @AgentId() agentId: string) {
    return toolResult(await this.requests.conversation(agentId, args.conversation_id));
  }
}
