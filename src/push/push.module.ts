import { Module } from '@nestjs/common';
import { RequestsModule } from '../requests/requests.module.js';
import { PushController } from './push.controller.js';
import { PushService } from './push.service.js';
import { PushStore } from './push.store.js';

@Module({
  imports: [RequestsModule],
  controllers: [PushController],
  providers: [PushService, PushStore],
  exports: [PushService],
})
export class PushModule {}
