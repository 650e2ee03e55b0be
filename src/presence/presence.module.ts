import { Global, Module } from '@nestjs/common';
import { PresenceService } from './presence.service.js';
import { PresenceStore } from './presence.store.js';

/** Global: the agent-id guard on every controller records presence. */
@Global()
@Module({
  providers: [PresenceService, PresenceStore],
  exports: [PresenceService],
})
export class PresenceModule {}
