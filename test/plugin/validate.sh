#!/bin/sh
# Validates the C3PO plugin and the repository's marketplace with Claude Code's own validator.
# Fails on any error or warning, except the plugin-directory listing ones (no icon, no privacy
# policy URL): this plugin is installed from its own marketplace, not from that directory.
# Claude Code comes from claude-code.sh, which installs it once into a prefix of its own.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
claude=$(sh "$repo/test/plugin/claude-code.sh")
# The project's own Node (>= 22, as Claude Code needs) for the report check below.
PATH="$repo/node_modules/.bin:$PATH"
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
