import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** Global like logging: requests, keys and the guards all write to the one audit log. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
