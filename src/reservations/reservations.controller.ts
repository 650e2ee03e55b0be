import { Body, Controller, Delete, Get, HttpCode, HttpStatus, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AgentId } from '../agents/agent-id.decorator.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import { CheckPathsDto } from './dto/check-paths.dto.js';
import { ListReservationsQueryDto } from './dto/list-reservations-query.dto.js';
import { ReleaseFilesDto } from './dto/release-files.dto.js';
import { ReserveFilesDto } from './dto/reserve-files.dto.js';
import { CheckedPath, checkWarning, ReservationsService, ReserveFilesResult } from './reservations.service.js';

/** File reservations over REST: the tools' calls for scripts, and the check the git pre-commit hook makes. */
@Controller('api/reservations')
@UseGuards(AgentIdGuard)
export class ReservationsController {
  constructor(private readonly reservations: ReservationsService) {}

  /** reserve_files; 201, or 409 naming the conflicts. */
  @Post()
  reserve(@AgentId() agentId: string, @Body() body: ReserveFilesDto): Promise<ReserveFilesResult> {
    return this.reservations.reserve(agentId, body);
  }

  /** release_files: body `{paths}`, or no body for all the caller's. */
  @Delete()
  release(@AgentId() agentId: string, @Body() body: ReleaseFilesDto) {
    return this.reservations.release(agentId, body.paths);
  }

  /** list_reservations. */
  @Get()
  list(@Query() query: ListReservationsQueryDto) {
    return this.reservations.list(query);
  }

  /**
   * Which of these file paths other agents have reserved; asks, changes nothing (200). Asked for
   * `text/plain` (the git pre-commit hook), the answer is the warning the hook prints as it is,
   * or 204 when there is nothing to warn about.
   */
  @Post('check')
  @HttpCode(200)
  async check(
    @AgentId() agentId: string,
    @Body() body: CheckPathsDto,
    @Req() request: Request,
    @Res({ passthrough: true }) response: Response,
  ): Promise<{ reserved: CheckedPath[] } | string | undefined> {
    const answer = await this.reservations.check(agentId, body.paths);
    if (request.accepts(['application/json', 'text/plain']) !== 'text/plain') {
      return answer;
    }
    if (answer.reserved.length === 0) {
      response.status(HttpStatus.NO_CONTENT);
      return undefined;
    }
    response.type('text/plain');
    return checkWarning(answer.reserved);
  }
}
