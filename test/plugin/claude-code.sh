#!/bin/sh
# Prints the path of a Claude Code CLI for the tests, installing it first if needed: the version
# CLAUDE_CODE_VERSION (default below) into a prefix of its own (CLAUDE_CODE_PREFIX), so it never
# touches package.json. Progress goes to stderr; stdout is the path alone.
set -eu

repo=$(cd "$(dirname "$0")/../.." && pwd)
version=${CLAUDE_CODE_VERSION:-2.1.330}
prefix=${CLAUDE_CODE_PREFIX:-${TMPDIR:-/tmp}/c3po-claude-code-$version}
claude="$prefix/node_modules/.bin/claude"
# npm needs Node >= 22 for Claude Code; the project's own Node comes first when installed.
PATH="$repo/node_modules/.bin:$PATH"

if ! "$claude" --version 2>/dev/null | grep -q "^$version "; then
  echo "Installing Claude Code $version into $prefix" >&2
  npm install --prefix "$prefix" --no-audit --no-fund --loglevel=error "@anthropic-ai/claude-code@$version" >&2
fi
echo "$claude"
