import { Body, Controller, Delete, Get, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuditService } from '../audit/audit.service.js';
import { AdminGuard } from './admin.guard.js';
import { ApiKeysService } from './api-keys.service.js';
import { AuditQueryDto } from './dto/audit-query.dto.js';
import { CreateApiKeyDto } from './dto/create-api-key.dto.js';

/** The operator's API (and `npx c3po`): API keys and the audit log. */
@Controller('api/admin')
@UseGuards(AdminGuard)
export class AdminController {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  /** The key is in this answer only. */
  @Post('keys')
  create(@Body() body: CreateApiKeyDto) {
    return this.keys.create(body.name, body.agent);
  }

  @Get('keys')
  async list() {
    return { keys: await this.keys.list() };
  }

  @Delete('keys/:nameOrId')
  revoke(@Param('nameOrId') nameOrId: string) {
    return this.keys.revoke(nameOrId);
  }

  /** Newest first; pass next_before for the page after. */
  @Get('audit')
  auditLog(@Query() query: AuditQueryDto) {
    return this.audit.list(query);
  }
}
