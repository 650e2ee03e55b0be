#!/bin/sh
# headersHelper of the c3po MCP server: prints the X-Agent-ID header Claude Code sends to the
# coordinator. Argument: the project folder (Claude Code substitutes ${CLAUDE_PROJECT_DIR}; it
# runs the helper from elsewhere). POSIX sh, no Node: the id is mapped by the same lib/agent-id.sh
# as the hooks'.
# The API key is not here but in .mcp.json's `headers`: Claude Code (2.1.330) removes variables
# that look like credentials, C3PO_API_KEY included, from a plugin headersHelper's environment.
case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
# shellcheck source-path=SCRIPTDIR source=../lib/agent-id.sh
. "$here/../lib/agent-id.sh"
# The id is of [A-Za-z0-9._-] only: nothing in it needs escaping in JSON.
printf '{"X-Agent-ID":"%s"}\n' "$(c3po_agent_id "$1")"
