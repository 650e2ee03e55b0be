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
[ -r "$here/../lib/agent-id.sh" ] && [ -r "$here/../lib/coordinator.sh" ] || exit 0
# shellcheck source-path=SCRIPTDIR source=../lib/agent-id.sh
. "$here/../lib/agent-id.sh"
# shellcheck source-path=SCRIPTDIR source=../lib/coordinator.sh
. "$here/../lib/coordinator.sh"

# git runs the hook at the top of the work tree: its folder names the agent, as the project
# folder does for the Claude Code session working in it (C3PO_AGENT_ID wins for both).
agent=$(c3po_agent_id "${CLAUDE_PROJECT_DIR:-$(pwd)}")

c3po_settings 2

# Staged paths, one a line, as JSON strings (the coordinator checks at most 1,000). Unusual
# names (control characters, quotes) come C-quoted from git and match no reservation.
paths=$(git -c core.quotePath=false diff --cached --name-only 2>/dev/null |
  LC_ALL=C sed -n -e '1001q' -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/.*/"&",/p')
[ -n "$paths" ] || exit 0

# Asked for text, the coordinator answers with the warning to print as it is (who, until when,
# why; cleaned for a terminal), or 204 when the commit touches nobody's reservation.
answer=$(c3po_post /api/reservations/check "{\"paths\":[${paths%,}]}" \
  "Content-Type: application/json${nl}Accept: text/plain${nl}X-Agent-ID: $agent") || exit 0
[ "${answer##*"$nl"}" = 200 ] || exit 0
answer=${answer%"$nl"*}
# Only what starts as the coordinator's warning is printed: never a proxy's page.
case $answer in
  'c3po: this commit touches '*) printf '%s\n' "$answer" >&2 ;;
esac
exit 0
