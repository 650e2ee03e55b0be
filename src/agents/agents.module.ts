import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller.js';
import { AgentsService } from './agents.service.js';
import { AgentsStore } from './agents.store.js';

@Module({
  controllers: [AgentsController],
  providers: [AgentsService, AgentsStore],
  exports: [AgentsService],
})
export class AgentsModule {}
