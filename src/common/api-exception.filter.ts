import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { throwError } from 'rxjs';
import { Metrics } from '../metrics/metrics.js';
import { isStorageUnavailable, STORAGE_UNAVAILABLE_MESSAGE } from '../redis/storage-errors.js';
import { TooManyRequestsException } from './too-many-requests.exception.js';

interface ApiError {
  statusCode: number;
  message?: string;
}

/**
 * One shape for every error: JSON {statusCode, message} on REST, a tool error with the same
 * message on MCP. Unexpected errors are logged here and reach the caller without internals.
 */
@Catch()
@Injectable()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger(ApiExceptionFilter.name);

  constructor(private readonly metrics: Metrics) {}

  catch(exception: unknown, host: ArgumentsHost) {
    const error = this.describe(exception);
    if (host.getType() === 'rpc') {
      return throwError(() => ({ status: 'error', message: error.message ?? 'Internal server error' }));
    }
    const response = host.switchToHttp().getResponse<Response>();
    if (!response.headersSent) {
      if (exception instanceof TooManyRequestsException && exception.retryAfterSeconds !== undefined) {
        response.setHeader('Retry-After', String(exception.retryAfterSeconds));
      }
      response.status(error.statusCode).json(error);
    }
  }

  private describe(exception: unknown): ApiError {
    if (exception instanceof HttpException) {
      const body = exception.getResponse();
      if (typeof body === 'object' && !('message' in body)) {
        // A structured answer of its own, such as terminus's health report: keep it whole.
        return { statusCode: exception.getStatus(), ...body };
      }
      const message =
        typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? exception.message);
      return { statusCode: exception.getStatus(), message: Array.isArray(message) ? message.join('; ') : message };
    }
    if (isStorageUnavailable(exception)) {
      this.metrics.redisErrors.inc();
      return { statusCode: HttpStatus.SERVICE_UNAVAILABLE, message: STORAGE_UNAVAILABLE_MESSAGE };
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return { statusCode: HttpStatus.INTERNAL_SERVER_ERROR, message: 'Internal server error' };
  }
}
