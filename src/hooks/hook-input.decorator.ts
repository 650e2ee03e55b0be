import { BadRequestException, createParamDecorator, ExecutionContext, ValidationPipe } from '@nestjs/common';
import type { Request } from 'express';

const body = createParamDecorator((_: unknown, context: ExecutionContext): object => {
  const value: unknown = context.switchToHttp().getRequest<Request>().body;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new BadRequestException(
      'the body must be the JSON object Claude Code gives the hook on stdin, sent as application/json',
    );
  }
  return value;
});

/**
 * A hook's stdin JSON, validated against the parameter's DTO class for the fields the coordinator
 * reads; the other fields are dropped, not refused (the global pipe forbids unknown fields, and
 * skips custom decorators such as this one, which validates on its own).
 */
export const HookInput = () =>
  body(new ValidationPipe({ whitelist: true, transform: true, validateCustomDecorators: true }));
