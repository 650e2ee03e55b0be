import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { annotateCall } from '../logging/call-context.js';
import { PresenceService } from '../presence/presence.service.js';
import { AGENT_ID_HEADER, parseAgentId, SESSION_ID_HEADER } from './agent-id.js';
import { createsAgentRecord } from './creates-agent-record.js';

export interface AgentRequest extends Request {
  agentId: string;
}

/**
 * Reads X-Agent-ID, answers 400 when it is missing or malformed (a 401 would send Claude Code
 * into OAuth discovery), and records the call as a sign of life.
 */
@Injectable()
export class AgentIdGuard implements CanActivate {
  constructor(private readonly presence: PresenceService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AgentRequest>();
    request.agentId = parseAgentId(request.headers[AGENT_ID_HEADER]);
    annotateCall({ agent_id: request.agentId });
    const session = request.headers[SESSION_ID_HEADER];
    await this.presence.seen(request.agentId, typeof session === 'string' ? session : undefined, {
      create: createsAgentRecord(request),
    });
    return true;
  }
}
