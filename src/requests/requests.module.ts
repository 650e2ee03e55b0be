import { Module } from '@nestjs/common';
import { AgentsModule } from '../agents/agents.module.js';
import { DeadLettersController } from './dead-letters.controller.js';
import { DeliveryService } from './delivery.service.js';
import { RequestsController } from './requests.controller.js';
import { RequestsService } from './requests.service.js';
import { RequestsStore } from './requests.store.js';
import { WaitsService } from './waits.service.js';
import { WakeupService } from './wakeup.service.js';

@Module({
  imports: [AgentsModule],
  controllers: [RequestsController, DeadLettersController],
  providers: [RequestsService, RequestsStore, DeliveryService, WakeupService, WaitsService],
  exports: [RequestsService, WakeupService, WaitsService],
})
export class RequestsModule {}
