import { Module } from '@nestjs/common';
import { FindingsController } from './findings.controller.js';
import { FindingsService } from './findings.service.js';
import { FindingsStore } from './findings.store.js';

@Module({
  controllers: [FindingsController],
  providers: [FindingsService, FindingsStore],
  exports: [FindingsService],
})
export class FindingsModule {}
