// headersHelper of the c3po MCP server: prints the headers Claude Code sends to the coordinator.
// Argument: the project folder (Claude Code substitutes ${CLAUDE_PROJECT_DIR} in the command).
import { agentId, authHeaders } from '../lib/identity.mjs';

const headers = { 'X-Agent-ID': agentId(process.env, process.argv[2]), ...authHeaders(process.env) };
process.stdout.write(JSON.stringify(headers) + '\n');
