import { Body, Controller, Get, Post, Query, UseGuards } from '@nestjs/common';
import { AgentId } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import { AddFindingDto } from './dto/add-finding.dto.js';
import { SearchFindingsQueryDto } from './dto/search-findings-query.dto.js';
import { FindingsService, FindingView, SearchFindingsResult } from './findings.service.js';

/** Findings over REST, for scripts: add_finding and search_findings, the same checks and answers. */
@Controller('api/findings')
@UseGuards(AgentIdGuard)
export class FindingsController {
  constructor(private readonly findings: FindingsService) {}

  /** add_finding; 201. */
  @Post()
  add(@AgentId() agentId: string, @Body() body: AddFindingDto): Promise<{ finding: FindingView }> {
    return this.findings.add(agentId, body);
  }

  /** search_findings. */
  @Get()
  search(@Query() query: SearchFindingsQueryDto): Promise<SearchFindingsResult> {
    return this.findings.search(query);
  }
}
