# shellcheck shell=sh
# The agent id of this Claude Code instance, for the c3po hooks (hooks/hook.sh), the MCP
# headersHelper (scripts/headers.sh) and the git pre-commit hook (scripts/pre-commit.sh), which
# all source this file: the id the MCP server sends and the id the hooks report can never drift
# apart. POSIX sh; needs only tr and sed (and iconv,
# where there is one, to fold accents), and runs none of them for a name that is already an id:
# PostToolUse runs this at every tool call, and every program started costs time there.

# Letters and digits, spelled out: a range in a pattern follows the locale's collation in some shells.
c3po_lower=abcdefghijklmnopqrstuvwxyz0123456789
c3po_alnum=ABCDEFGHIJKLMNOPQRSTUVWXYZ$c3po_lower

# Maps any name onto the coordinator's id alphabet: `My Project!` → `my-project`.
# Accents are folded where iconv can (`Café` → `cafe`); elsewhere they become separators (`caf`).
c3po_id_from_name() {
  c3po_name=$1
  # Already an id (lowercase, no separator at either end, 64 at most): mapping changes nothing.
  case $c3po_name in
    '' | [!$c3po_lower]* | *[!$c3po_lower._-]* | *[!$c3po_lower]) ;;
    *)
      if [ ${#c3po_name} -le 64 ]; then
        printf '%s\n' "$c3po_name"
        return
      fi
      ;;
  esac
  # C.UTF-8: glibc transliterates only in a UTF-8 locale, and the host's may be C or missing.
  # Output of a failed conversion (not UTF-8 input) is cut short: the name is then used as is.
  case $c3po_name in
    *[!$c3po_alnum' !"#$%&'\''()*+,./:;<=>?@[\]^_`{|}~-']*)
      if command -v iconv >/dev/null 2>&1 &&
        c3po_folded=$(printf '%s' "$c3po_name" | LC_ALL=C.UTF-8 iconv -f UTF-8 -t ASCII//TRANSLIT 2>/dev/null); then
        c3po_name=$c3po_folded
      fi
      ;;
  esac
  # LC_ALL=C: byte by byte, so that any byte left outside ASCII is one more separator (and only
  # ASCII letters are lowered). Every other byte, newlines included, becomes a space, and each
  # run of spaces one '-' (tr -s would also squeeze the name's own '--'). \055 is '-', which tr
  # would otherwise read as a range or an option.
  # shellcheck disable=SC2018,SC2019
  c3po_id=$(printf '%s' "$c3po_name" | LC_ALL=C tr 'A-Z' 'a-z' | LC_ALL=C tr -c 'a-z0-9._\055' ' ' |
    LC_ALL=C sed -e 's/  */-/g' -e 's/^[._-]*//' -e 's/^\(.\{64\}\).*/\1/' -e 's/[._-]*$//')
  printf '%s\n' "${c3po_id:-agent}"
}

# C3PO_AGENT_ID when set (kept as typed if valid, mapped otherwise), else the name of the
# project folder: $1, else CLAUDE_PROJECT_DIR, else the current folder.
c3po_agent_id() {
  c3po_chosen=${C3PO_AGENT_ID:-}
  c3po_chosen=${c3po_chosen#"${c3po_chosen%%[![:space:]]*}"}
  c3po_chosen=${c3po_chosen%"${c3po_chosen##*[![:space:]]}"}
  if [ -n "$c3po_chosen" ]; then
    # Valid: a letter or digit, then up to 63 of those or . _ -
    case $c3po_chosen in
      [!$c3po_alnum]* | *[!$c3po_alnum._-]*) c3po_id_from_name "$c3po_chosen" ;;
      *) if [ ${#c3po_chosen} -le 64 ]; then printf '%s\n' "$c3po_chosen"; else c3po_id_from_name "$c3po_chosen"; fi ;;
    esac
    return
  fi
  c3po_given=${1:-${CLAUDE_PROJECT_DIR:-$(pwd)}}
  # Claude Code passes an absolute path; a relative one, or one ending in . or .., is resolved
  # against the current folder first (as long as it exists).
  case $c3po_given in
    */. | */.. | . | ..) ;;
    /*) c3po_dir=$c3po_given ;;
  esac
  case $c3po_given in
    */. | */.. | . | .. | [!/]*) c3po_dir=$(CDPATH='' cd -- "$c3po_given" 2>/dev/null && pwd) || c3po_dir=$c3po_given ;;
  esac
  # Trailing slashes off, then the last component; `/` has none.
  c3po_dir=${c3po_dir%"${c3po_dir##*[!/]}"}
  c3po_id_from_name "${c3po_dir##*/}"
}
