import { CanActivate, ExecutionContext, ForbiddenException, Injectable, UnauthorizedException } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { agentMatches, bearerToken } from '../auth/api-key.js';
import { ApiKeysService } from '../auth/api-keys.service.js';
import { KeyHolder } from '../auth/api-keys.store.js';
import { annotateCall } from '../logging/call-context.js';
import { PresenceService } from '../presence/presence.service.js';
import { AGENT_ID_HEADER, claimedAgentId, parseAgentId, SESSION_ID_HEADER } from './agent-id.js';
import { createsAgentRecord } from './creates-agent-record.js';

export interface AgentRequest extends Request {
  agentId: string;
}

/**
 * Who is calling. With keys on (C3PO_ADMIN_TOKEN set) the call must carry
 * `Authorization: Bearer <key>` whose pattern matches its X-Agent-ID; then the agent id is
 * validated and the call recorded as a sign of life.
 *
 * Status codes follow what Claude Code shows its user: with an Authorization header sent it
 * shows a 401/403's message; without one a 401 sends it into OAuth discovery, so a missing key
 * is 403, and a missing or malformed agent id is 400.
 */
@Injectable()
export class AgentIdGuard implements CanActivate {
  constructor(
    private readonly presence: PresenceService,
    private readonly apiKeys: ApiKeysService,
    private readonly audit: AuditService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AgentRequest>();
    const holder = this.apiKeys.required ? await this.keyHolder(request) : null;
    request.agentId = parseAgentId(request.headers[AGENT_ID_HEADER]);
    if (holder && !agentMatches(holder.agentPattern, request.agentId)) {
      throw this.refused(
        request,
        'agent not allowed',
        new ForbiddenException(
          `the API key '${holder.name}' may act only as agent ids matching '${holder.agentPattern}', not ` +
            `'${request.agentId}': set C3PO_AGENT_ID to a matching id, or use a key for '${request.agentId}'`,
        ),
        holder.name,
      );
    }
    annotateCall({ agent_id: request.agentId, ...(holder && { key_name: holder.name }) });
    const session = request.headers[SESSION_ID_HEADER];
    await this.presence.seen(request.agentId, typeof session === 'string' ? session : undefined, {
      // A key holder is known to the operator; without keys only registering or sending makes an agent.
      create: holder !== null || createsAgentRecord(request),
    });
    return true;
  }

  private async keyHolder(request: AgentRequest): Promise<KeyHolder> {
    const key = bearerToken(request.headers.authorization);
    if (key === '') {
      throw this.refused(
        request,
        'no key',
        new ForbiddenException(
          'no API key was sent (C3PO_API_KEY is unset or empty) and this coordinator requires one: ' +
            "set C3PO_API_KEY to a key from the coordinator's operator (npx c3po keys create --name <host> --agent '<agent id pattern>')",
        ),
      );
    }
    const holder = await this.apiKeys.authenticate(key);
    if (!holder) {
      throw this.refused(
        request,
        'invalid key',
        new UnauthorizedException(
          "the API key in C3PO_API_KEY is not valid (mistyped or revoked): ask the coordinator's operator for a key",
        ),
      );
    }
    return holder;
  }

  private refused<E extends Error>(request: Request, outcome: string, error: E, keyName = ''): E {
    this.audit.record({
      action: 'refused.key',
      outcome,
      agent: claimedAgentId(request.headers),
      key: keyName,
      detail: `${request.method} ${request.path}`,
    });
    return error;
  }
}
