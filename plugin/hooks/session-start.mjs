// SessionStart: register this session's agent and tell Claude who it is on C3PO, who else is
// online and what waits for it. Warns when another live session already uses the same agent id.
import { callCoordinator, coordinatorUrl, expectShape, runHook, tool, UNTRUSTED_REQUESTS } from '../lib/hook.mjs';

const MAX_NAMES = 10;
/** The coordinator's largest page of agents, most recently seen first: online ones come first. */
const PAGE = 100;

runHook('SessionStart', async (_input, { agentId, sessionId }) => {
  const registration = await callCoordinator('/api/agents/register', {
    agentId,
    sessionId,
    body: sessionId ? { session_id: sessionId } : {},
  });
  const conflict = registration?.session_conflict;
  expectShape(conflict === null || typeof conflict?.session_id === 'string', 'registration');
  const [list, pending] = await Promise.all([
    callCoordinator(`/api/agents?limit=${PAGE}`, { agentId, sessionId }),
    callCoordinator('/api/pending', { agentId, sessionId }),
  ]);
  const agents = list?.agents;
  const requests = pending?.requests;
  expectShape(Array.isArray(agents) && agents.every((a) => typeof a?.agent_id === 'string'), 'agent list');
  expectShape(Array.isArray(requests), 'pending list');

  const others = agents.filter((a) => a.agent_id !== agentId && a.status === 'online').map((a) => a.agent_id);
  // `online` counts every agent seen within the online window, this one and any whose session
  // ended since included. While the page holds them all its statuses are exact; past that,
  // `online` less this agent is the best count there is.
  const othersOnline =
    Number.isInteger(list.online) && list.online > agents.length
      ? Math.max(others.length, list.online - 1)
      : others.length;
  const lines = [
    `C3PO: you are agent "${agentId}" on the coordinator at ${coordinatorUrl()}.`,
    others.length === 0 ? 'No other agent is online.' : `Online agents: ${names(others, othersOnline)}.`,
    requests.length === 0
      ? 'No request is waiting for you.'
      : `${requests.length} request${requests.length === 1 ? ' is' : 's are'} waiting for you: call ` +
        `${tool('get_pending_requests')}, then ${tool('respond_to_request')} for each.`,
    `To ask another agent: ${tool('send_request')}, then ${tool('wait_for_response')} ` +
      `(reuse its conversation_id for follow-ups). ${tool('list_agents')} shows who is there.`,
    UNTRUSTED_REQUESTS,
  ];
  const output = { hookSpecificOutput: { hookEventName: 'SessionStart', additionalContext: '' } };
  if (conflict) {
    const spare = spareId(agentId, agents);
    lines.unshift(
      `WARNING: another Claude Code session is already connected as C3PO agent "${agentId}" ` +
        `(active ${ago(conflict.last_active)}). Two sessions on one agent id take each ` +
        "other's requests. Tell the user now: to give this session its own id, quit it and start it " +
        `again as \`C3PO_AGENT_ID=${spare} claude\`, or close the other session.`,
    );
    output.systemMessage =
      `C3PO: agent id "${agentId}" is already used by another live Claude Code session. ` +
      `Restart this one with C3PO_AGENT_ID=${spare} to give it its own id.`;
  }
  output.hookSpecificOutput.additionalContext = lines.join('\n');
  return output;
});

function ago(iso) {
  const seconds = Math.round((Date.now() - Date.parse(iso)) / 1000);
  return Number.isFinite(seconds) ? `${Math.max(seconds, 0)} s ago` : 'recently';
}

function names(ids, count) {
  const shown = ids.slice(0, MAX_NAMES);
  return count > shown.length ? `${shown.join(', ')} and ${count - shown.length} more` : shown.join(', ');
}

/**
 * The first `<id>-N` no agent on the page uses, to suggest as this session's own id. The page
 * holds the most recently seen agents, where a twin session that took `<id>-2` would be.
 */
function spareId(agentId, agents) {
  const taken = new Set(agents.map((a) => a.agent_id));
  const base = agentId.slice(0, 60);
  let n = 2;
  while (taken.has(`${base}-${n}`)) {
    n += 1;
  }
  return `${base}-${n}`;
}
