import type { McpContext } from '@rekog/mcp-nest';
import type { Response } from 'express';
import { z } from 'zod';
import type { AgentRequest } from '../agents/agent-id.guard.js';
import type { WaitHooks } from '../requests/waits.service.js';

/**
 * A tool's arguments as MCP-Nest takes them (a Standard Schema), validated by zod, whose JSON
 * Schema leaves out `$schema`: MCP reads a schema without one as draft 2020-12 anyway, and every
 * session pays for each tool's schema in context, 60 characters a tool for that line alone.
 */
export function toolArgs<S extends z.ZodObject>(schema: S) {
  const inputSchema = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' });
  delete inputSchema.$schema;
  return {
    '~standard': {
      ...schema['~standard'],
      jsonSchema: { input: () => inputSchema, output: () => inputSchema },
    },
  };
}

/** A tool result carrying the same JSON as text (for older clients) and as structuredContent. */
export function toolResult<T extends object>(data: T) {
  return { content: [{ type: 'text' as const, text: JSON.stringify(data) }], structuredContent: data };
}

/**
 * Progress and cancellation for a blocked tool call.
 *
 * Progress keeps Claude Code from aborting a call that is silent for 300 s. A stateless
 * 2025-era request has no channel to send it on, so it goes without. The wait ends when the
 * client cancels (the SDK's signal) or the HTTP connection closes.
 */
export function waitHooks(ctx: McpContext, what: string): WaitHooks {
  const session = ctx.getSession();
  const canReport = session.era === 'modern' || !session.stateless;
  const sdkSignal = (ctx.getArgByIndex(4) as { mcpReq?: { signal?: AbortSignal } } | undefined)?.mcpReq?.signal;
  const request = ctx.getRawRequest<AgentRequest>();
  const response = request?.res as Response | undefined;
  const disconnected = new AbortController();
  // A close after the answer went out is no disconnect: aborting then would only build a DOMException.
  response?.once('close', () => {
    if (!response.writableFinished) {
      disconnected.abort();
    }
  });
  return {
    key: request?.apiKey,
    signal: sdkSignal ? AbortSignal.any([sdkSignal, disconnected.signal]) : disconnected.signal,
    onProgress: canReport
      ? (elapsedMs, timeoutMs) =>
          ctx.reportProgress({
            progress: Math.round(elapsedMs / 1000),
            total: Math.round(timeoutMs / 1000),
            message: `still waiting for ${what}`,
          })
      : undefined,
  };
}
