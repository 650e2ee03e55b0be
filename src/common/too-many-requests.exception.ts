import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * A 429: a limit refused the call. `retryAfterSeconds`, when a wait is known to be enough,
 * becomes the Retry-After header of a REST answer (ApiExceptionFilter); MCP callers read it in
 * the message.
 */
export class TooManyRequestsException extends HttpException {
  constructor(
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message, HttpStatus.TOO_MANY_REQUESTS);
  }
}
