import { CallHandler, ExecutionContext, Injectable, Logger, NestInterceptor } from '@nestjs/common';
import type { McpContext } from '@rekog/mcp-nest';
import { Observable, tap } from 'rxjs';
import { annotateCall } from './call-context.js';

/** Names the MCP tool (and the request it concerns) in the call's log context, and logs its outcome. */
@Injectable()
export class ToolLoggingInterceptor implements NestInterceptor {
  private readonly logger = new Logger('MCP');

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') {
      return next.handle();
    }
    const mcp = context.switchToRpc().getContext<McpContext>();
    const params = mcp.mcpRequest.params as { name?: string; arguments?: { request_id?: unknown } } | undefined;
    const tool = params?.name;
    const args = params?.arguments;
    annotateCall({ tool, ...(typeof args?.request_id === 'string' && { request_id: args.request_id }) });
    const started = Date.now();
    return next.handle().pipe(
      tap({
        next: (result: { structuredContent?: { request_id?: string; status?: string } }) => {
          const data = result?.structuredContent;
          if (data?.request_id) {
            annotateCall({ request_id: data.request_id });
          }
          this.logger.log(`${tool} ok${data?.status ? ` (${data.status})` : ''} ${Date.now() - started}ms`);
        },
        error: (error: Error) => this.logger.warn(`${tool} failed: ${error.message}`),
      }),
    );
  }
}
