import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import { Observable, tap } from 'rxjs';
import { annotateCall } from './call-context.js';

/**
 * Names the MCP tool, the request it concerns and how it ended in the call's log context; the
 * HTTP call's single log line (CallLoggingMiddleware) then carries them. Bound to the MCP tool
 * controllers only: as a global interceptor it would also wrap every HTTP route in an rxjs
 * pipeline, /mcp included, for nothing.
 */
@Injectable()
export class ToolLoggingInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const params = context.switchToRpc().getContext<McpContext>().mcpRequest.params as
      { name?: string; arguments?: { request_id?: unknown } } | undefined;
    const requestId = params?.arguments?.request_id;
    annotateCall({ tool: params?.name, ...(typeof requestId === 'string' && { request_id: requestId }) });
    return next.handle().pipe(
      tap({
        next: (result: { structuredContent?: { request_id?: string; status?: string } }) => {
          const data = result?.structuredContent;
          annotateCall({
            outcome: data?.status ?? 'ok',
            ...(data?.request_id && { request_id: data.request_id }),
          });
        },
        error: (error: Error) => annotateCall({ outcome: 'error', error: error.message }),
      }),
    );
  }
}
