#!/bin/sh
# Validates the C3PO plugin and the repository's marketplace with Claude Code's own validator.
# Fails on any error or warning, except the plugin-directory listing ones (no icon, no privacy
# policy URL): this plugin is installed from its own marketplace, not from that directory.
# Claude Code is installed once into a prefix of its own; it never touches package.json.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
version=${CLAUDE_CODE_VERSION:-2.1.330}
prefix=${CLAUDE_CODE_PREFIX:-${TMPDIR:-/tmp}/c3po-claude-code-$version}
claude="$prefix/node_modules/.bin/claude"
# npm needs Node >= 22 for Claude Code; the project's own Node comes first when installed.
PATH="$repo/node_modules/.bin:$PATH"

if ! "$claude" --version 2>/dev/null | grep -q "^$version "; then
  echo "Installing Claude Code $version into $prefix"
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$version"
fi
"$claude" --version

# A throwaway HOME: validation must neither read nor write a real ~/.claude.
HOME=$(mktemp -d)
export HOME
trap 'rm -rf "$HOME"' EXIT
cd "$repo"

"$claude" plugin validate --strict .
"$claude" plugin validate --strict plugin
"$claude" plugin validate --json plugin >"$HOME/report.json"
node - "$HOME/report.json" <<'JS'
const report = JSON.parse(require('node:fs').readFileSync(process.argv[2], 'utf8'));
const listingOnly = new Set(['ICON_MISSING', 'PRIVACY_URL_MISSING']);
const problems = (report.directory?.findings ?? []).filter((finding) => !listingOnly.has(finding.code));
for (const finding of problems) {
  console.error(`plugin directory ${finding.severity}: ${finding.code} ${finding.message}`);
}
if (!report.success || problems.length > 0) {
  process.exit(1);
}
console.log('plugin validate: no errors, no warnings beyond the directory listing ones (icon, privacy URL)');
JS
