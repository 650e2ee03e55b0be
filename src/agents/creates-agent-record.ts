import type { Request } from 'express';

/** REST routes (method and Express route pattern) whose call makes the caller a known agent. */
const CREATING_ROUTES = new Set([
  'POST /api/agents/register',
  'POST /api/requests',
  'POST /api/messages',
  'PUT /api/topics/:topic/subscription',
  'PUT /api/boards/:board/plan',
  'POST /api/tasks',
  'POST /api/tasks/claim',
]);
/** MCP tools that do. */
const CREATING_TOOLS = new Set([
  'register_agent',
  'send_request',
  'publish',
  'subscribe',
  'set_plan',
  'create_task',
  'claim_task',
  'wait_for_task',
]);

/**
 * Whether a call may create its caller's agent record: registering, sending or publishing (the
 * addressee sees who asked, and may ask back), subscribing (a topic reaches only known agents),
 * planning and creating tasks (workers may ask their leader back), and claiming one (a claim's
 * lease is renewed by its claimer's record being seen). Every other call only refreshes a record that exists, so a GET or a probe under a
 * made-up X-Agent-ID leaves nothing behind.
 *
 * Read from the matched route, not the raw path, which Express matches without regard to case or
 * a trailing slash; an MCP body is already parsed (express.json) when guards run.
 */
export function createsAgentRecord(request: Request): boolean {
  const route = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof route === 'string' && CREATING_ROUTES.has(`${request.method} ${route}`)) {
    return true;
  }
  if (request.method !== 'POST' || route !== '/mcp') {
    return false;
  }
  const messages: unknown[] = Array.isArray(request.body) ? request.body : [request.body];
  return messages.some((message) => {
    const call = message as { method?: unknown; params?: { name?: unknown } } | null;
    return call?.method === 'tools/call' && CREATING_TOOLS.has(call.params?.name as string);
  });
}
