import { Global, Module } from '@nestjs/common';
import { AdminController } from './admin.controller.js';
import { ApiKeysService } from './api-keys.service.js';
import { ApiKeysStore } from './api-keys.store.js';

/** Global like presence: the agent-id guard on every feature's controllers checks keys. */
@Global()
@Module({
  controllers: [AdminController],
  providers: [ApiKeysStore, ApiKeysService],
  exports: [ApiKeysService],
})
export class AuthModule {}
