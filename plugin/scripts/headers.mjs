// headersHelper of the c3po MCP server: prints the X-Agent-ID header Claude Code sends to the
// coordinator. Argument: the project folder (Claude Code substitutes ${CLAUDE_PROJECT_DIR}).
// The API key is not here but in .mcp.json's `headers`: Claude Code (2.1.330) removes variables
// that look like credentials, C3PO_API_KEY included, from a plugin headersHelper's environment.
import { agentId } from '../lib/identity.mjs';

process.stdout.write(JSON.stringify({ 'X-Agent-ID': agentId(process.env, process.argv[2]) }) + '\n');
