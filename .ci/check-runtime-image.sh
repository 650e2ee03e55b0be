#!/usr/bin/env bash
# Reproduces the Dockerfile's runtime stage without Docker (none runs here): production
# dependencies only, the build output, the image's command (which must be npm start's); then
# probes it with the image's HEALTHCHECK command. Needs `npm run build` first.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
node="$repo/node_modules/.bin/node"   # Node 24, as in the node:24-slim image
work=$(mktemp -d)
redis_port=$("$node" -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
port=$("$node" -e "const s=require('net').createServer().listen(0,()=>{console.log(s.address().port);s.close()})")
cleanup() {
  [ -n "${app_pid:-}" ] && kill "$app_pid" 2>/dev/null || true
  [ -n "${redis_pid:-}" ] && kill "$redis_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# The image's CMD after "node"; image-command.mjs fails if it is not what npm start runs.
image_args=$("$node" "$repo/.ci/image-command.mjs")
mapfile -t node_args <<<"$image_args"
probe_args=$("$node" "$repo/.ci/image-healthcheck.mjs")
mapfile -t probe <<<"$probe_args"

cp "$repo/package.json" "$repo/package-lock.json" "$work/"
cp -r "$repo/dist" "$work/dist"
(cd "$work" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
test ! -e "$work/node_modules/jest" || { echo "runtime copy holds dev dependencies" >&2; exit 1; }

redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >/dev/null &
redis_pid=$!
# exec: $! must be the coordinator itself, so that cleanup stops it rather than a subshell.
(cd "$work" && NODE_ENV=production C3PO_HOST=127.0.0.1 C3PO_PORT="$port" REDIS_URL="redis://127.0.0.1:$redis_port" \
  exec "$node" "${node_args[@]}" >"$work/app.log" 2>&1) &
app_pid=$!

for _ in $(seq 1 100); do
  if (cd "$work" && C3PO_PORT="$port" "$node" "${probe[@]}"); then
    echo "runtime image check: production-only copy answers /api/health/live on port $port"
    exit 0
  fi
  sleep 0.1
done
echo "runtime image check failed; coordinator output:" >&2
cat "$work/app.log" >&2
exit 1
