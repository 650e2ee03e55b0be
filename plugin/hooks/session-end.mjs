// SessionEnd: tell the coordinator this session left, so other agents see it offline at once
// instead of after the online window. The coordinator ignores it if another session took the id.
import { rmSync } from 'node:fs';
import { callCoordinator, keyRefusedStatePath, runHook, stopStatePath } from '../lib/hook.mjs';

runHook(
  'SessionEnd',
  async (_input, { agentId, sessionId }) => {
    rmSync(stopStatePath(sessionId), { force: true });
    rmSync(keyRefusedStatePath(sessionId), { force: true });
    await callCoordinator('/api/agents/leave', {
      agentId,
      sessionId,
      body: sessionId ? { session_id: sessionId } : {},
    });
    return null;
  },
  { tellUser: false },
);
