import { BadRequestException, Injectable, NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';

/** Far deeper than any MCP message or REST body (about 6 levels), far shallower than what overflows the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Refuses a parsed JSON body nested deeper than MAX_JSON_DEPTH. JSON.parse takes any depth,
 * but what reads the body next recurses: the MCP node adapter re-serializes it with
 * JSON.stringify, class-transformer walks DTO fields. At about 10,000 levels (a 20 KB body)
 * either overflows the stack, and the caller got a 500.
 */
@Injectable()
export class JsonDepthMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    if (nestsDeeperThan(request.body, MAX_JSON_DEPTH)) {
      throw new BadRequestException(`the JSON body nests deeper than ${MAX_JSON_DEPTH} levels`);
    }
    next();
  }
}

/** Iterative, so that measuring a deep value cannot overflow the stack either. */
function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  while (pending.length > 0) {
    const [node, depth] = pending.pop()!;
    if (node === null || typeof node !== 'object') {
      continue;
    }
    if (depth > limit) {
      return true;
    }
    for (const child of Object.values(node)) {
      pending.push([child, depth + 1]);
    }
  }
  return false;
}
