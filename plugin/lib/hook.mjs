// What every c3po hook shares: reading Claude Code's input, calling the coordinator, and failing
// open. A hook must never get in Claude's way, so every failure ends the same way: exit 0, no
// output on stdout, one short line on stderr (Claude Code keeps stderr of a successful hook out
// of the conversation).
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout } from 'node:timers';
import { agentId } from './identity.mjs';

export const REQUEST_BUDGET_MS = 2000;
// Past this a hook gives up as a whole, well inside the timeouts hooks.json gives Claude Code.
const HOOK_BUDGET_MS = 4500;
const SESSION_ID = /^[A-Za-z0-9._-]{1,128}$/;

export const coordinatorUrl = () =>
  (process.env.C3PO_COORDINATOR_URL || 'http://localhost:8420').trim().replace(/\/+$/, '');

/** A failure to report on stderr in one line; never printed with a stack. */
export class HookError extends Error {}

/**
 * Runs `handler` with the parsed hook input and this instance's identity, prints what it
 * returns as the hook's JSON output, and turns anything that goes wrong into a quiet exit 0.
 */
export function runHook(name, handler) {
  const fail = (error) => {
    process.stderr.write(`c3po ${name} hook skipped: ${describe(error)}\n`);
    process.exit(0);
  };
  setTimeout(() => fail(new HookError(`no result within ${HOOK_BUDGET_MS} ms`)), HOOK_BUDGET_MS).unref();
  readInput()
    .then((input) => {
      const projectDir = process.env.CLAUDE_PROJECT_DIR || (typeof input.cwd === 'string' ? input.cwd : '');
      const sessionId = SESSION_ID.test(input.session_id ?? '') ? input.session_id : undefined;
      return handler(input, { agentId: agentId(process.env, projectDir), sessionId });
    })
    .then((output) => {
      if (output) {
        process.stdout.write(JSON.stringify(output) + '\n', () => process.exit(0));
      } else {
        process.exit(0);
      }
    }, fail);
}

async function readInput() {
  let text = '';
  process.stdin.setEncoding('utf8');
  for await (const chunk of process.stdin) {
    text += chunk;
  }
  let input;
  try {
    input = JSON.parse(text);
  } catch {
    throw new HookError('stdin is not the JSON Claude Code sends');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new HookError('stdin is not a JSON object');
  }
  return input;
}

/**
 * One coordinator call within REQUEST_BUDGET_MS. POST when there is a body. The session header
 * lets the coordinator see this Claude Code session is alive (it spots two sessions on one id).
 */
export async function callCoordinator(path, { agentId, sessionId, body }) {
  if (typeof fetch !== 'function') {
    throw new HookError('this Node has no fetch (Node 18 or later is needed)');
  }
  const headers = { 'X-Agent-ID': agentId };
  if (sessionId) {
    headers['X-C3PO-Session'] = sessionId;
  }
  if (body) {
    headers['Content-Type'] = 'application/json';
  }
  const url = coordinatorUrl() + path;
  let text;
  let response;
  try {
    response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      headers,
      body: body && JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_BUDGET_MS),
    });
    text = await response.text();
  } catch (error) {
    throw new HookError(`coordinator at ${coordinatorUrl()} unreachable (${reason(error)})`);
  }
  if (!response.ok) {
    throw new HookError(`coordinator answered ${response.status} to ${path}`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HookError(`coordinator sent malformed JSON for ${path}`);
  }
}

/** Throws unless `check` holds: a malformed answer must not turn into a confusing message. */
export function expectShape(check, what) {
  if (!check) {
    throw new HookError(`coordinator sent a malformed ${what}`);
  }
}

function reason(error) {
  if (error?.name === 'TimeoutError' || error?.name === 'AbortError') {
    return `no answer within ${REQUEST_BUDGET_MS} ms`;
  }
  return error?.cause?.code ?? error?.cause?.message ?? error?.message ?? String(error);
}

function describe(error) {
  const text = error instanceof HookError ? error.message : `unexpected ${error?.name ?? 'error'}: ${error?.message}`;
  return text.split('\n')[0].slice(0, 200);
}

/** A C3PO tool's name as the model sees it (plugin c3po, server c3po). */
export const tool = (name) => `mcp__plugin_c3po_c3po__${name}`;

/** Where the Stop hook remembers the request ids it showed this session. */
export const stopStatePath = (sessionId) =>
  join(process.env.CLAUDE_PLUGIN_DATA || tmpdir(), `c3po-stop-${sessionId ?? 'no-session'}.json`);
