import { ForbiddenException, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { claimedAgentId } from '../agents/agent-id.js';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import {
  HostList,
  hostListed,
  isLoopbackName,
  normalizeOrigin,
  parseHost,
  parseHostList,
  parseOriginList,
} from './host-names.js';

/** Longest refused name quoted back in a message or the audit log. */
const MAX_QUOTED = 100;

/**
 * The DNS-rebinding defence (and the MCP spec's Origin validation). A web page can make a
 * browser call this coordinator by pointing its own name at 127.0.0.1 or a LAN address, but the
 * browser then still sends that page's name in Host and the page's origin in Origin. So a call is
 * refused unless its Host is a loopback name or listed in C3PO_ALLOWED_HOSTS, and unless it has
 * no Origin or one listed in C3PO_ALLOWED_ORIGINS. Claude Code, the plugin's hooks and curl send
 * no Origin.
 */
@Injectable()
export class HostOriginMiddleware implements NestMiddleware {
  private readonly hosts: HostList;
  private readonly origins: Set<string>;

  constructor(
    config: AppConfig,
    private readonly audit: AuditService,
  ) {
    this.hosts = parseHostList(config.C3PO_ALLOWED_HOSTS);
    this.origins = parseOriginList(config.C3PO_ALLOWED_ORIGINS).origins;
  }

  use(request: Request, _response: Response, next: NextFunction): void {
    const host = request.headers.host ?? '';
    const name = parseHost(host)?.name;
    if (name === undefined || !(isLoopbackName(name) || hostListed(name, this.hosts))) {
      const shown = (name ?? host).slice(0, MAX_QUOTED);
      this.refuse(request, 'refused.host', 'host not allowed', shown);
      throw new ForbiddenException(
        host === ''
          ? 'a Host header is required'
          : `Host '${shown}' is not allowed: add it to C3PO_ALLOWED_HOSTS on the coordinator`,
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined) {
      const normalized = normalizeOrigin(origin);
      if (normalized === undefined || !this.origins.has(normalized)) {
        const shown = (normalized ?? origin).slice(0, MAX_QUOTED);
        this.refuse(request, 'refused.origin', 'origin not allowed', shown);
        throw new ForbiddenException(
          normalized === undefined
            ? `Origin '${shown}' is not allowed: only http(s) pages listed in C3PO_ALLOWED_ORIGINS may call the coordinator`
            : `Origin '${shown}' is not allowed: add it to C3PO_ALLOWED_ORIGINS on the coordinator`,
        );
      }
    }
    next();
  }

  private refuse(request: Request, action: string, outcome: string, detail: string): void {
    // The agent guard has not run yet: the claimed id is kept only when well-formed.
    this.audit.record({ action, outcome, agent: claimedAgentId(request.headers), key: '', detail });
  }
}
