import { CanActivate, ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuditService } from '../audit/audit.service.js';
import { AppConfig } from '../config/app-config.js';
import { bearerToken, sameSecret } from './api-key.js';

/**
 * The operator's routes: `Authorization: Bearer <C3PO_ADMIN_TOKEN>`. Without a token configured
 * the admin API is off (403): keys cannot exist then, so there is nothing to administer.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    protected readonly config: AppConfig,
    private readonly audit: AuditService,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<Request>();
    if (this.config.C3PO_ADMIN_TOKEN === '') {
      return this.withoutToken();
    }
    const token = bearerToken(request.headers.authorization);
    if (token === '' || !sameSecret(token, this.config.C3PO_ADMIN_TOKEN)) {
      this.audit.record({
        action: 'refused.admin',
        outcome: token === '' ? 'no token' : 'wrong token',
        agent: '',
        key: '',
        detail: `${request.method} ${request.path}`,
      });
      throw new ForbiddenException(
        token === ''
          ? "this route is for the coordinator's operator: send Authorization: Bearer <C3PO_ADMIN_TOKEN>"
          : "wrong admin token: use the coordinator's C3PO_ADMIN_TOKEN",
      );
    }
    return true;
  }

  protected withoutToken(): boolean {
    throw new ForbiddenException(
      'the admin API is off: start the coordinator with C3PO_ADMIN_TOKEN set (openssl rand -hex 32) to turn API keys and the admin API on',
    );
  }
}

/**
 * Operator routes that predate keys (dead letters): open as before while keys are off, which
 * only a loopback or knowingly unauthenticated coordinator allows; the admin token once they are on.
 */
@Injectable()
export class OperatorGuard extends AdminGuard {
  protected override withoutToken(): boolean {
    return true;
  }
}
