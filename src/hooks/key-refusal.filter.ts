import { ArgumentsHost, Catch, ExceptionFilter, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { bearerToken } from '../auth/api-key.js';
import { keyRefused } from './hook-texts.js';

/**
 * AgentIdGuard's refusal of the API key (401 invalid, 403 missing or not for this agent id),
 * answered as the hook output that tells the user: `{"systemMessage":"C3PO: …"}`, with the same
 * status, so the hook on the host can tell it from any other failure and print it as it is, once
 * per session. Scoped to the hooks controller: guard exceptions pass through controller filters,
 * while a Host/Origin refusal (middleware) never reaches it and keeps its own 403 body.
 */
@Catch(UnauthorizedException, ForbiddenException)
export class KeyRefusalFilter implements ExceptionFilter {
  catch(exception: UnauthorizedException | ForbiddenException, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const keySent = bearerToken(http.getRequest<Request>().headers.authorization) !== '';
    http
      .getResponse<Response>()
      .status(exception.getStatus())
      .json({ systemMessage: keyRefused(exception.message.replace(/\p{Cc}/gu, ' '), keySent) });
  }
}
