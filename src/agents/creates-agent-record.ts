import type { Request } from 'express';

/** REST routes (Express route patterns) whose call makes the caller a known agent. */
const CREATING_ROUTES = new Set(['/api/agents/register', '/api/requests']);
/** MCP tools that do. */
const CREATING_TOOLS = new Set(['register_agent', 'send_request']);

/**
 * Whether a call may create its caller's agent record: registering, and sending (the addressee
 * sees who asked, and may ask back). Every other call only refreshes a record that exists, so a
 * GET or a probe under a made-up X-Agent-ID leaves nothing behind.
 *
 * Read from the matched route, not the raw path, which Express matches without regard to case or
 * a trailing slash; an MCP body is already parsed (express.json) when guards run.
 */
export function createsAgentRecord(request: Request): boolean {
  if (request.method !== 'POST') {
    return false;
  }
  const route = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string' && CREATING_ROUTES.has(route)) {
    return true;
  }
  if (route !== '/mcp') {
    return false;
  }
  const messages: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
  return messages.some((message) => {
    const call = message as { method?: unknown; params?: { name?: unknown } } | null;
    return call?.method === 'tools/call' && CREATING_TOOLS.has(call.params?.name as string);
  });
}
