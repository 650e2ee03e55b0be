import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { AckMessageDto } from './dto/ack-message.dto.js';
import { CheckMessagesQueryDto } from './dto/check-messages-query.dto.js';
import { PublishMessageDto } from './dto/publish-message.dto.js';
import { TimelineQueryDto } from './dto/timeline-query.dto.js';
import { AckResult, CheckResult, MessagesService, PublishResult, SubscriptionResult } from './messages.service.js';

/** Messages and topics over REST, for scripts: the same service calls, checks and answers as the tools. */
@Controller('api')
@UseGuards(AgentIdGuard)
export class MessagesController {
  constructor(private readonly messages: MessagesService) {}

  /** publish; 201. */
  @Post('messages')
  publish(
    @AgentId() agentId: string,
    @Body() body: PublishMessageDto,
    @CallerKey() key: KeyHolder | undefined,
  ): Promise<PublishResult> {
    return this.messages.publish(agentId, body, key);
  }

  /** check_messages: what it returns is delivered, as by the tool. */
  @Get('messages')
  check(@AgentId() agentId: string, @Query() query: CheckMessagesQueryDto): Promise<CheckResult> {
    return this.messages.check(agentId, query);
  }

  @Post('messages/:id/ack')
  @HttpCode(200)
  ack(@AgentId() agentId: string, @Param('id') id: string, @Body() body: AckMessageDto): Promise<AckResult> {
    return this.messages.ack(agentId, id, body.comment);
  }

  @Get('timeline')
  timeline(@AgentId() agentId: string, @Query() query: TimelineQueryDto) {
    return this.messages.timeline(agentId, query);
  }

  @Put('topics/:topic/subscription')
  subscribe(@AgentId() agentId: string, @Param('topic') topic: string): Promise<SubscriptionResult> {
    return this.messages.subscribe(agentId, topic);
  }

  @Delete('topics/:topic/subscription')
  unsubscribe(@AgentId() agentId: string, @Param('topic') topic: string): Promise<SubscriptionResult> {
    return this.messages.unsubscribe(agentId, topic);
  }
}
