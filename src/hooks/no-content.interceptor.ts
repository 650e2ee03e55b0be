import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import type { Response } from 'express';
import { map, Observable } from 'rxjs';

/**
 * A handler's `null` answered as 204 with no body: the hook then prints nothing, which is how a
 * hook says "nothing to add". Runs after the route's status is set, so it has the last word.
 */
@Injectable()
export class NoContentInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    return next.handle().pipe(
      map((value: unknown) => {
        if (value === null) {
          context.switchToHttp().getResponse<Response>().status(HttpStatus.NO_CONTENT);
          return undefined;
        }
        return value;
      }),
    );
  }
}
