// headersHelper of the c3po MCP server: prints the headers Claude Code sends to the coordinator.
// Argument: the project folder (Claude Code substitutes ${CLAUDE_PROJECT_DIR} in the command).
import { agentId } from '../lib/identity.mjs';

process.stdout.write(JSON.stringify({ 'X-Agent-ID': agentId(process.env, process.argv[2]) }) + '\n');
