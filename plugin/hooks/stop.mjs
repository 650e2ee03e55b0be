// Stop: while requests from other agents wait, keep Claude working on them instead of stopping.
// Claude must never be looped: after a block, the next Stop (stop_hook_active) blocks again only
// for a request that arrived since, so the ids shown at each block are remembered per session.
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { callCoordinator, expectShape, runHook, stopStatePath, tool, UNTRUSTED_REQUESTS } from '../lib/hook.mjs';

const MAX_PREVIEWS = 3;
const PREVIEW_CHARS = 120;

runHook('Stop', async (input, { agentId, sessionId }) => {
  const pending = await callCoordinator('/api/pending', { agentId, sessionId });
  const requests = pending?.requests;
  expectShape(
    Array.isArray(requests) &&
      requests.every((r) => typeof r?.request_id === 'string' && typeof r.from_agent === 'string'),
    'pending list',
  );
  const state = stopStatePath(sessionId);
  if (requests.length === 0) {
    rmSync(state, { force: true });
    return null;
  }
  const ids = requests.map((r) => r.request_id);
  const again = input.stop_hook_active === true;
  const shown = again ? recall(state) : [];
  const arrived = ids.filter((id) => !shown.includes(id));
  if (arrived.length === 0) {
    return null;
  }
  // Unable to remember what was shown, a repeated block could loop Claude: stop blocking then.
  if (!remember(state, [...shown, ...arrived]) && again) {
    return null;
  }
  return { decision: 'block', reason: blockReason(agentId, requests) };
});

function blockReason(agentId, requests) {
  const count = requests.length;
  const lines = [
    `C3PO: ${count} request${count === 1 ? '' : 's'} from other agents ${count === 1 ? 'is' : 'are'} ` +
      `waiting for your answer (you are agent "${agentId}"):`,
    ...requests.slice(0, MAX_PREVIEWS).map((r) => `- ${r.from_agent}: ${firstLine(r.message)}`),
  ];
  if (count > MAX_PREVIEWS) {
    lines.push(`- and ${count - MAX_PREVIEWS} more`);
  }
  lines.push(
    `Call ${tool('get_pending_requests')}, then ${tool('respond_to_request')} for each one ` +
      '(status "declined" with a reason if you should not help).',
    UNTRUSTED_REQUESTS,
  );
  return lines.join('\n');
}

function firstLine(message) {
  const line = (typeof message === 'string' ? message : '')
    .trim()
    .split('\n')[0]
    .replace(/\p{Cc}/gu, ' ')
    .trim();
  return line.length > PREVIEW_CHARS ? `${line.slice(0, PREVIEW_CHARS)}…` : line || '(empty)';
}

function recall(path) {
  try {
    const ids = JSON.parse(readFileSync(path, 'utf8'));
    return Array.isArray(ids) ? ids : [];
  } catch {
    return [];
  }
}

function remember(path, ids) {
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(ids));
    renameSync(`${path}.tmp`, path); // a Stop killed mid-write must not leave half a file
    return true;
  } catch {
    return false;
  }
}
