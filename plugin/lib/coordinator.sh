# shellcheck shell=sh
# What the plugin's scripts that call the coordinator share (hooks/hook.sh, scripts/pre-commit.sh):
# sourced, POSIX sh. Sets nl, budget, url and key; c3po_post makes the one curl call.

nl='
'

# c3po_settings <default budget, s>: budget (C3PO_HOOK_TIMEOUT_S, whole seconds 1-9, wins), url
# (C3PO_COORDINATOR_URL trimmed, no trailing '/', http://localhost:8420 when unset), key
# (C3PO_API_KEY trimmed).
c3po_settings() {
  budget=$1
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
}

# c3po_post <path> <body> <headers, one a line>: POSTs body to $url<path> within $budget s, and
# prints the answer's body, a newline, and its HTTP status; returns curl's exit status.
# Headers go to curl on a file descriptor, not as arguments: arguments show in `ps` to every user
# of the host, and the API key (added here) is one of them.
c3po_post() {
  c3po_path=$1
  c3po_body=$2
  c3po_headers=$3
  [ -n "$key" ] && c3po_headers="$c3po_headers${nl}Authorization: Bearer $key"
  # A self-signed coordinator: trust the certificate Claude Code is told to trust
  # (CURL_CA_BUNDLE, which curl reads itself, wins).
  set --
  [ -n "${NODE_EXTRA_CA_CERTS:-}" ] && [ -z "${CURL_CA_BUNDLE:-}" ] && set -- --cacert "$NODE_EXTRA_CA_CERTS"
  curl -s -g --proto '=http,https' --max-time "$budget" "$@" -H @/dev/fd/3 --data-binary "$c3po_body" \
    -w "${nl}%{http_code}" "$url$c3po_path" 3<<EOF_HEADERS
$c3po_headers
EOF_HEADERS
}
