import {
  Body,
  Controller,
  Delete,
  Get,
  Headers,
  HttpCode,
  HttpStatus,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { AgentId, CallerKey } from '../agents/agent-id.decorator.js';
import type { KeyHolder } from '../auth/api-keys.store.js';
import { AgentIdGuard } from '../agents/agent-id.guard.js';
import {
  answer,
  error,
  initializeResult,
  isJsonRpcMessage,
  JsonRpcCode,
  needsNoAnswer,
  SESSION_HEADER,
} from './push-protocol.js';
import { PushService } from './push.service.js';

/** Push session ids are UUIDs: anything else names no session. */
const SESSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const NO_SESSION = 'no such push session (it ended or lapsed): initialize again';

/**
 * The push endpoint: an MCP server of its own (the plugin's `c3po-push` entry) that Claude Code
 * keeps a stream open to, and that pushes requests and answers into the session as channel
 * events. @Res(): the stream is written as events arrive, and protocol errors are JSON-RPC errors
 * (a limit's 429 or a second stream's 409 keep the REST error shape, as on every route).
 */
@Controller('push')
@UseGuards(AgentIdGuard)
export class PushController {
  constructor(private readonly push: PushService) {}

  @Post()
  @HttpCode(HttpStatus.OK)
  async message(
    @AgentId() agentId: string,
    @Body() body: unknown,
    @Headers(SESSION_HEADER) sessionId: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (!isJsonRpcMessage(body)) {
      response
        .status(HttpStatus.BAD_REQUEST)
        .json(error(null, JsonRpcCode.invalidRequest, 'expected one JSON-RPC 2.0 message'));
      return;
    }
    if (body.method === 'initialize' && body.id === undefined) {
      // A notification gets no answer, so it could only take a session place no one can use.
      response.status(HttpStatus.BAD_REQUEST).json(error(null, JsonRpcCode.invalidRequest, 'initialize needs an id'));
      return;
    }
    if (body.method === 'initialize') {
      response.setHeader('Mcp-Session-Id', await this.push.openSession(agentId));
      response.json(initializeResult(body, '0.1.0'));
      return;
    }
    if (sessionId === undefined) {
      // Also the answer to the 2026-07-28 revision's server/discover: this endpoint speaks only
      // the stateful 2025 revision, and Claude Code then falls back to initialize.
      response
        .status(HttpStatus.BAD_REQUEST)
        .json(error(body.id ?? null, JsonRpcCode.serverError, 'no Mcp-Session-Id: initialize first'));
      return;
    }
    if (!(await this.isLive(agentId, sessionId))) {
      response.status(HttpStatus.NOT_FOUND).json(error(body.id ?? null, JsonRpcCode.sessionNotFound, NO_SESSION));
      return;
    }
    if (needsNoAnswer(body)) {
      response.status(HttpStatus.ACCEPTED).end();
      return;
    }
    response.json(answer(body));
  }

  @Get()
  async stream(
    @Req() request: Request,
    @AgentId() agentId: string,
    @CallerKey() key: KeyHolder | undefined,
    @Headers(SESSION_HEADER) sessionId: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (!request.accepts('text/event-stream')) {
      response
        .status(HttpStatus.NOT_ACCEPTABLE)
        .json(error(null, JsonRpcCode.invalidRequest, 'accept text/event-stream'));
      return;
    }
    if (sessionId === undefined) {
      response
        .status(HttpStatus.BAD_REQUEST)
        .json(error(null, JsonRpcCode.serverError, 'no Mcp-Session-Id: initialize first'));
      return;
    }
    if (!SESSION_ID.test(sessionId)) {
      response.status(HttpStatus.NOT_FOUND).json(error(null, JsonRpcCode.sessionNotFound, NO_SESSION));
      return;
    }
    await this.push.attach(agentId, sessionId, response, key);
  }

  @Delete()
  async end(
    @AgentId() agentId: string,
    @Headers(SESSION_HEADER) sessionId: string | undefined,
    @Res() response: Response,
  ): Promise<void> {
    if (sessionId === undefined || !SESSION_ID.test(sessionId)) {
      response.status(HttpStatus.NOT_FOUND).json(error(null, JsonRpcCode.sessionNotFound, NO_SESSION));
      return;
    }
    await this.push.end(agentId, sessionId);
    response.status(HttpStatus.OK).end();
  }

  private async isLive(agentId: string, sessionId: string): Promise<boolean> {
    return SESSION_ID.test(sessionId) && (await this.push.isLive(agentId, sessionId));
  }
}
