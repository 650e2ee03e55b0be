import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { RequestsController } from './requests.controller.js';
import { RequestsService } from './requests.service.js';
import { RequestsStore } from './requests.store.js';
import { WakeupService } from './wakeup.service.js';

@Module({
  imports: [AgentsModule],
  controllers: [RequestsController],
  providers: [RequestsService, RequestsStore, WakeupService],
  exports: [RequestsService, WakeupService],
})
export class RequestsModule {}
