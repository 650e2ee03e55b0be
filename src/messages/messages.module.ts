import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { MessagesController } from './messages.controller.js';
import { MessagesService } from './messages.service.js';
import { MessagesStore } from './messages.store.js';

/** Topics, broadcast and typed messages with acks and a timeline. */
@Module({
  imports: [AgentsModule],
  controllers: [MessagesController],
  providers: [MessagesService, MessagesStore],
  exports: [MessagesService],
})
export class MessagesModule {}
