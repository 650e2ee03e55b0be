#!/bin/sh
# A c3po hook: `sh hook.sh <session-start|stop|post-tool-use|session-end>`, the hook's JSON on
# stdin, as hooks.json runs it. The coordinator decides everything and answers with the exact
# JSON to print (200), or nothing to print (204); this script is one sed and one curl, so that a
# host needs only sh and curl (Claude Code's native installer brings no Node), and PostToolUse,
# which every tool call waits for, starts as few programs as it can.
#
# A hook must never get in Claude's way: every failure ends the same way, exit 0, nothing on
# stdout, one short line on stderr (Claude Code keeps a successful hook's stderr out of the
# conversation). One exception: a refused API key is also told to the user, once per session,
# since only the user can fix it and C3PO stays off until they do.

case $1 in
  session-start) event=SessionStart ;;
  stop) event=Stop ;;
  post-tool-use) event=PostToolUse ;;
  session-end) event=SessionEnd ;;
  *)
    printf 'c3po hook skipped: unknown event %s\n' "'$1'" >&2
    exit 0
    ;;
esac

skip() {
  printf 'c3po %s hook skipped: %.200s\n' "$event" "$1" >&2
  exit 0
}

command -v curl >/dev/null 2>&1 || skip 'curl is not installed (C3PO hooks need sh and curl)'

case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
# shellcheck source-path=SCRIPTDIR source=../lib/agent-id.sh
. "$here/../lib/agent-id.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/coordinator.sh
. "$here/../lib/coordinator.sh"

# Tool calls wait for PostToolUse: a coordinator that does not answer must cost them little.
# C3PO_HOOK_TIMEOUT_S (whole seconds, 1-9) sets both, for a coordinator far away or slow.
if [ "$event" = PostToolUse ]; then c3po_settings 1; else c3po_settings 3; fi

# Claude Code runs hooks in the project folder, and says so in CLAUDE_PROJECT_DIR.
agent=$(c3po_agent_id "${CLAUDE_PROJECT_DIR:-$(pwd)}")

path=/api/hooks/$1

# Of the input, only what the coordinator reads is sent: the session id, and for Stop whether it
# follows a block. Claude Code's input also carries the last reply and, for PostToolUse, the
# tool's input and output (a file read, a command's output): none of that leaves the host, and
# no input is ever too large to send. Escaped quotes inside JSON strings cannot match.
fields=$(LC_ALL=C sed -n -e h \
  -e 's/.*"session_id"[[:space:]]*:[[:space:]]*"\([A-Za-z0-9._-]\{1,128\}\)".*/session \1/p' -e g \
  -e 's/.*"stop_hook_active"[[:space:]]*:[[:space:]]*true.*/active true/p' -e g \
  -e 's/.*"stop_hook_active"[[:space:]]*:[[:space:]]*false.*/active false/p' -e g \
  -e 's/.*"source"[[:space:]]*:[[:space:]]*"\([a-z]\{1,16\}\)".*/source \1/p')
session=
active=
source=
while read -r name value; do
  case $name in
    session) session=${session:-$value} ;;
    active) active=${active:-$value} ;;
    source) source=${source:-$value} ;;
  esac
done <<EOF
$fields
EOF
body=
[ -n "$session" ] && body="\"session_id\":\"$session\""
[ "$event" = Stop ] && [ -n "$active" ] && body="$body${body:+,}\"stop_hook_active\":$active"
case $event:$source in
  SessionStart:startup | SessionStart:resume | SessionStart:clear | SessionStart:compact)
    body="$body${body:+,}\"source\":\"$source\""
    ;;
esac
body="{$body}"

# Whether Claude Code was started with C3PO's channels, so that pushes reach this session: only
# its command line says (CLAUDE_PID is Claude Code's own process). Unknown when neither /proc
# nor ps can show it.
channels=
if [ "$event" = SessionStart ] && [ -n "${CLAUDE_PID:-}" ]; then
  if [ -r "/proc/$CLAUDE_PID/cmdline" ]; then
    args=$(tr '\000' ' ' <"/proc/$CLAUDE_PID/cmdline")
  else
    args=$(ps -o args= -p "$CLAUDE_PID" 2>/dev/null)
  fi
  case $args in
    *channels*plugin:c3po@*) channels=on ;;
    ?*) channels=off ;;
  esac
fi

# Where a hook notes that it told the user this session's key was refused; SessionEnd removes it,
# so that a resumed session is told again.
state=${CLAUDE_PLUGIN_DATA:-${TMPDIR:-/tmp}}
marker=$state/c3po-key-refused-${session:-no-session}
[ "$event" = SessionEnd ] && rmdir "$marker" 2>/dev/null

# c3po_post adds the API key, and hands the headers to curl off its command line.
headers="Content-Type: application/json${nl}X-Agent-ID: $agent${nl}X-C3PO-Coordinator-URL: $url"
[ -n "$session" ] && headers="$headers${nl}X-C3PO-Session: $session"
[ -n "$channels" ] && headers="$headers${nl}X-C3PO-Channels: $channels"

answer=$(c3po_post "$path" "$body" "$headers")
status=$?
if [ "$status" -ne 0 ]; then
  case $status in
    1) why="C3PO_COORDINATOR_URL must start with http:// or https://" ;;
    3) why="C3PO_COORDINATOR_URL is not a URL" ;;
    6) why="cannot resolve its host name" ;;
    7) why="cannot connect" ;;
    28) why="no answer within $budget s" ;;
    35) why="TLS handshake failed" ;;
    51 | 60 | 77) why="its certificate is not trusted: set NODE_EXTRA_CA_CERTS to its CA file" ;;
    52) why="empty reply" ;;
    56) why="connection reset" ;;
    *) why="curl exit $status" ;;
  esac
  skip "coordinator at $url unreachable ($why)"
fi
code=${answer##*"$nl"}
body=${answer%"$nl"*}

case $code in
  200)
    # Only what starts as this hook's output is printed: a proxy's page or error must never
    # become Claude's context.
    case $body in
      '{"hookSpecificOutput":{"hookEventName":"'"$event"'",'* | '{"decision":"block",'*) printf '%s\n' "$body" ;;
      *) skip "coordinator sent a malformed answer to $path" ;;
    esac
    ;;
  204) ;;
  *)
    # The coordinator answers a refused key with the hook output that tells the user; any other
    # 401/403 (a Host or Origin check, a proxy) is an ordinary failure.
    case $code:$body in
      401:'{"systemMessage":"C3PO: '* | 403:'{"systemMessage":"C3PO: '*)
        printf "c3po %s hook skipped: coordinator refused this host's API key (HTTP %s)\n" "$event" "$code" >&2
        # Nobody is left to read it at SessionEnd. mkdir is atomic: of two racing hooks, one
        # tells; when the marker cannot be made at all, telling again beats never telling.
        if [ "$event" != SessionEnd ]; then
          mkdir -p "$state" 2>/dev/null
          if mkdir "$marker" 2>/dev/null || [ ! -d "$marker" ]; then
            printf '%s\n' "$body"
          fi
        fi
        exit 0
        ;;
    esac
    # A coordinator's error is {"statusCode":…,"message":"…"}: its message says what went wrong.
    message=$(printf '%s\n' "$body" | LC_ALL=C sed -n '
      /^{"statusCode":[0-9]*,"message":"\(.*\)"}$/ {
        s//\1/
        s/\\"/"/g
        p
      }' | LC_ALL=C tr -d '\000-\037')
    skip "coordinator answered $code to $path${message:+: $message}"
    ;;
esac
exit 0
