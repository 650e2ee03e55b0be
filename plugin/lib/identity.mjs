// The agent id of this Claude Code instance. The MCP headersHelper and every hook import this
// one module, so the id the MCP server sends and the id the hooks poll can never drift apart.
import { basename, resolve } from 'node:path';

const VALID_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const FALLBACK_ID = 'agent';

/** Maps any name onto the coordinator's id alphabet: `My Project!` → `my-project`. */
export function idFromName(name) {
  const id = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '') // `Café` → `cafe` rather than `caf`
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[._-]+/, '')
    .slice(0, 64)
    .replace(/[._-]+$/, '');
  return id || FALLBACK_ID;
}

/**
 * C3PO_AGENT_ID when set (kept as typed if valid, mapped otherwise), else the project folder's
 * name. `projectDir` wins over CLAUDE_PROJECT_DIR: the headersHelper is run from the plugin's
 * folder without that variable, so Claude Code hands the project folder to it as an argument.
 */
export function agentId(env = process.env, projectDir = '') {
  const chosen = env.C3PO_AGENT_ID?.trim();
  if (chosen) {
    return VALID_ID.test(chosen) ? chosen : idFromName(chosen);
  }
  const dir = projectDir || env.CLAUDE_PROJECT_DIR || process.cwd();
  return idFromName(basename(resolve(dir)));
}
