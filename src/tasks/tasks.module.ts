import { Module } from '@nestjs/common';
import { RequestsModule } from '../requests/requests.module.js';
import { TaskSweeperService } from './task-sweeper.service.js';
import { TasksController } from './tasks.controller.js';
import { TasksService } from './tasks.service.js';
import { TasksStore } from './tasks.store.js';

@Module({
  // RequestsModule: the wait machinery (WaitsService, WakeupService) wait_for_task shares.
  imports: [RequestsModule],
  controllers: [TasksController],
  providers: [TasksService, TasksStore, TaskSweeperService],
  exports: [TasksService],
})
export class TasksModule {}
