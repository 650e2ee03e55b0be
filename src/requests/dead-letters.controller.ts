import { Controller, Get, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { OperatorGuard } from '../auth/admin.guard.js';
import { PageQueryDto } from './dto/page-query.dto.js';
import { RequestsService } from './requests.service.js';

/** For operators: requests no addressee answered after C3PO_MAX_DELIVERIES hand-outs. */
@Controller('api/dead-letters')
@UseGuards(OperatorGuard)
export class DeadLettersController {
  constructor(private readonly requests: RequestsService) {}

  /** Oldest first: `{total, requests, next_offset}`. */
  @Get()
  async list(@Query() query: PageQueryDto) {
    const page = await this.requests.deadLetters(query.offset, query.limit);
    return { total: page.total, requests: page.requests, next_offset: page.next };
  }

  /** Queued again for its addressee with a fresh delivery count. */
  @Post(':requestId/requeue')
  @HttpCode(200)
  requeue(@Param('requestId') requestId: string) {
    return this.requests.requeueDeadLetter(requestId);
  }
}
