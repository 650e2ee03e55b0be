import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { MessagesModule } from '../messages/messages.module.js';
import { RequestsModule } from '../requests/requests.module.js';
import { TasksModule } from '../tasks/tasks.module.js';
import { HooksController } from './hooks.controller.js';
import { HooksService } from './hooks.service.js';
import { HooksStore } from './hooks.store.js';

/** What the plugin's hooks ask the coordinator: each answered with the JSON the hook prints. */
@Module({
  imports: [AgentsModule, RequestsModule, MessagesModule, TasksModule],
  controllers: [HooksController],
  providers: [HooksService, HooksStore],
})
export class HooksModule {}
