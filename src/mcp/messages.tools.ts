import { UseInterceptors } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { McpController, Tool } from '@rekog/mcp-nest';
import { z } from 'zod';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { ToolLoggingInterceptor } from '../logging/tool-logging.interceptor.js';
import { MessagesService } from '../messages/messages.service.js';
import { toolArgs, toolResult } from './tool-call.js';

// Names, topics, types, sizes, times, TTLs, page sizes and cursors are checked by MessagesService,
// for REST alike: each bound in a schema costs every session its characters in context.
const limit = z.number().default(20);
const since = z.string().optional();
const topicArgs = z.object({ topic: z.string() });
const publishArgs = z.object({
  to: z.string().optional().describe('Agent id, or "*" for all'),
  topic: z.string().optional(),
  type: z.string().describe('e.g. READY_FOR_REVIEW, GENERAL'),
  subject: z.string(),
  body: z.string(),
  priority: z.number().int().min(1).max(10).default(5),
  ttl_s: z.number().optional(),
  correlation_id: z.string().optional(),
  ack_required: z.boolean().optional(),
});
const checkArgs = z.object({
  from: z.string().optional(),
  type: z.string().optional(),
  topic: z.string().optional(),
  since,
  unacked_only: z.boolean().optional(),
  limit,
  cursor: z.string().optional(),
});
const ackArgs = z.object({ id: z.string(), comment: z.string().optional() });
const timelineArgs = z.object({
  since,
  type: z.string().optional(),
  from: z.string().optional(),
  limit,
  cursor: z.string().optional(),
});

@McpController()
@UseInterceptors(ToolLoggingInterceptor)
export class MessagesTools {
  constructor(private readonly messages: MessagesService) {}

  @Tool({
    name: 'publish',
    description:
      'Send a typed message to an agent, all or a topic. Recipients get it with check_messages; ' +
      'with ack_required they ack_message it and you get their ACKs.',
    parameters: toolArgs(publishArgs),
  })
  async publish(
    @Payload() args: z.infer<typeof publishArgs>,
    @AgentId() agentId: string,
    @CallerKey() key: KeyHolder | undefined,
  ) {
    return toolResult(await this.messages.publish(agentId, args, key));
  }

  @Tool({
    name: 'subscribe',
    description: 'Receive the messages published to a topic.',
    parameters: toolArgs(topicArgs),
  })
  async subscribe(@Payload() args: z.infer<typeof topicArgs>, @AgentId() agentId: string) {
    return toolResult(await this.messages.subscribe(agentId, args.topic));
  }

  @Tool({
    name: 'unsubscribe',
    description: "Stop receiving a topic's messages.",
    parameters: toolArgs(topicArgs),
  })
  async unsubscribe(@Payload() args: z.infer<typeof topicArgs>, @AgentId() agentId: string) {
    return toolResult(await this.messages.unsubscribe(agentId, args.topic));
  }

  @Tool({
    name: 'check_messages',
    description:
      'Your messages, most urgent first, each returned once; one with ack_required stays (shown: true) ' +
      'until you ack_message it.',
    parameters: toolArgs(checkArgs),
  })
  async checkMessages(@Payload() args: z.infer<typeof checkArgs>, @AgentId() agentId: string) {
    return toolResult(await this.messages.check(agentId, args));
  }

  @Tool({
    name: 'ack_message',
    description: 'Ack a message you received; its sender gets an ACK with your comment.',
    parameters: toolArgs(ackArgs),
  })
  async ackMessage(@Payload() args: z.infer<typeof ackArgs>, @AgentId() agentId: string) {
    return toolResult(await this.messages.ack(agentId, args.id, args.comment));
  }

  @Tool({
    name: 'get_timeline',
    description:
      'Messages since an ISO time, newest first: broadcasts, topic messages and your direct ones (yours with acks).',
    parameters: toolArgs(timelineArgs),
  })
  async getTimeline(@Payload() args: z.infer<typeof timelineArgs>, @AgentId() agentId: string) {
    return toolResult(await this.messages.timeline(agentId, args));
  }
}
