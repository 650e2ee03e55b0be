#!/bin/sh
# An optional git pre-commit hook: warns when the commit touches a path another agent has
# reserved with reserve_files (who, until when, why). Reservations are advisory, so it never
# blocks the commit: it always exits 0, and says nothing when the coordinator is away, slow or
# refuses. One git and one curl; POSIX sh, no Node. Install it in a repository with
#   printf '#!/bin/sh\nexec sh "%s"\n' "<plugin folder>/scripts/pre-commit.sh" >.git/hooks/pre-commit
#   chmod +x .git/hooks/pre-commit
# or a symlink to it (see plugin/README.md).

command -v curl >/dev/null 2>&1 || exit 0

# Through a symlink ($0 is .git/hooks/pre-commit), the plugin is where its target is.
self=$0
while [ -L "$self" ]; do
  target=$(readlink "$self") || break
  case $target in
    /*) self=$target ;;
    *) self=${self%/*}/$target ;;
  esac
done
case $self in
  */*) here=${self%/*} ;;
  *) here=. ;;
esac
# A failed `.` would end the hook with an error, which stops the commit: look first.
[ -r "$here/../lib/agent-id.sh" ] || exit 0
# shellcheck source-path=SCRIPTDIR source=../lib/agent-id.sh
. "$here/../lib/agent-id.sh"

# git runs the hook at the top of the work tree: its folder names the agent, as the project
# folder does for the Claude Code session working in it (C3PO_AGENT_ID wins for both).
agent=$(c3po_agent_id "${CLAUDE_PROJECT_DIR:-$(pwd)}")

budget=2
case ${C3PO_HOOK_TIMEOUT_S:-} in
  [1-9]) budget=$C3PO_HOOK_TIMEOUT_S ;;
esac

url=${C3PO_COORDINATOR_URL:-}
url=${url#"${url%%[![:space:]]*}"}
url=${url%"${url##*[![:space:]]}"}
url=${url:-http://localhost:8420}
url=${url%"${url##*[!/]}"}

key=${C3PO_API_KEY:-}
key=${key#"${key%%[![:space:]]*}"}
key=${key%"${key##*[![:space:]]}"}

# Staged paths, one a line, as JSON strings (the coordinator checks at most 1,000). Unusual
# names (control characters, quotes) come C-quoted from git and match no reservation.
paths=$(git -c core.quotePath=false diff --cached --name-only 2>/dev/null |
  LC_ALL=C sed -n -e '1001q' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&",/p')
[ -n "$paths" ] || exit 0
nl='
'
body="{\"paths\":[${paths%,}]}"

# Headers go to curl on a file descriptor, not as arguments, which every user of the host can
# see in `ps`: one of them is the API key.
headers="Content-Type: application/json${nl}X-Agent-ID: $agent"
[ -n "$key" ] && headers="$headers${nl}Authorization: Bearer $key"
set --
[ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -z "${CURL_CA_BUNDLE:-}" ] && set -- --cacert "$NODE_EXTRA_CA_CERTS"

answer=$(curl -s -g --proto '=http,https' --max-time "$budget" "$@" -H @/dev/fd/3 --data-binary "$body" \
  -w "${nl}%{http_code}" "$url/api/reservations/check" 3<<EOF
$headers
EOF
) || exit 0
[ "${answer##*"$nl"}" = 200 ] || exit 0
answer=${answer%"$nl"*}

# {"reserved":[{"path":…,"agent":…,"pattern":…,"exclusive":…,"reason":…,"expires_at":…},…]}:
# one entry a line (an unescaped {"path":" cannot occur inside a JSON string), then each in
# words. Escapes other than \" and \\ stay as written, so no control character reaches the
# terminal; nor do C1 controls (UTF-8 \302\200-\302\237), which some terminals obey.
c1=$(printf '\302[\200-\237]')
warnings=$(printf '%s\n' "$answer" | LC_ALL=C sed -e 's/{"path":"/\
&/g' | LC_ALL=C sed -n \
  -e 's/^{"path":"\(.*\)","agent":"\([A-Za-z0-9._-]*\)","pattern":"\(.*\)","exclusive":true,"reason":"\(.*\)","expires_at":"\([^"]*\)"}.*$/  \1: reserved by '"'"'\2'"'"' until \5 (exclusive, \3): \4/p' \
  -e 's/^{"path":"\(.*\)","agent":"\([A-Za-z0-9._-]*\)","pattern":"\(.*\)","exclusive":false,"reason":"\(.*\)","expires_at":"\([^"]*\)"}.*$/  \1: reserved by '"'"'\2'"'"' until \5 (shared, \3): \4/p' |
  LC_ALL=C sed -e 's/\\"/"/g' -e 's/\\\\/\\/g' -e "s/$c1//g")
[ -n "$warnings" ] || exit 0
{
  printf 'c3po: this commit touches paths other agents have reserved (advisory: the commit goes ahead):\n'
  printf '%s\n' "$warnings"
  printf 'c3po: check with them (send_request) before pushing; list_reservations shows every reservation.\n'
} >&2
exit 0
