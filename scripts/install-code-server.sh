#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest line that runs on Node 20) into a cache folder,
# .vscode-test/code-server by default (CODE_SERVER_DIR overrides), for the real-editor tests and `npm start`.
# It is not a devDependency: `npm ci` would run its postinstall, which downloads from GitHub and fails offline.
# So every install script is skipped and only the native modules are rebuilt, against this Node.
# Idempotent: a marker records the version and the Node ABI the native modules were built for.
# Needs: npm, a C++ toolchain, libkrb5-dev, pkg-config, ripgrep (scripts/install-system-deps.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=lib/ticker.sh
source scripts/lib/ticker.sh
VERSION=4.100.3
DIR="${CODE_SERVER_DIR:-.vscode-test/code-server}"
STAMP="$VERSION node-abi-$(node -p process.versions.modules)"
MARK="$DIR/.installed"
if [ -f "$MARK" ] && [ "$(cat "$MARK")" = "$STAMP" ]; then
  exit 0
fi
RG="$(command -v rg || true)"
if [ -z "$RG" ]; then
  echo "install-code-server: ripgrep (rg) is missing; run scripts/install-system-deps.sh start" >&2
  exit 1
fi
start=$SECONDS
mkdir -p "$DIR"
cd "$DIR"
rm -f "$MARK"
# Its own package.json, so npm does not climb to the repo's and install into it.
[ -f package.json ] || echo '{"name":"code-server-cache","private":true}' > package.json
NPM=(npm --no-audit --no-fund --loglevel=error)
echo "install-code-server: first run only, about 1-2 minutes: code-server@$VERSION (VS Code 1.100.3) into $DIR"
echo "install-code-server: step 1/3, code-server (install scripts skipped)"
with_ticker install-code-server "code-server" "${NPM[@]}" install --ignore-scripts "code-server@$VERSION" >/dev/null
with_ticker install-code-server "argon2 rebuild" "${NPM[@]}" rebuild argon2 >/dev/null
VS=node_modules/code-server/lib/vscode
echo "install-code-server: step 2/3, VS Code server modules and native rebuilds"
(cd "$VS" && with_ticker install-code-server "server modules" "${NPM[@]}" install --ignore-scripts --omit=dev >/dev/null)
# node-pty's rebuild step runs `npx node-gyp`; without a yes, npx cancels in a non-interactive shell.
(cd "$VS" && with_ticker install-code-server "native rebuilds" env npm_config_yes=true "${NPM[@]}" rebuild kerberos node-pty @vscode/spdlog native-watchdog >/dev/null)
# @vscode/ripgrep's own install downloads rg from GitHub; Debian's rg does the same job for search.
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$RG" "$VS/node_modules/@vscode/ripgrep/bin/rg"
# The server resolves some modules through node_modules.asar, as a packaged VS Code would have it.
[ -e "$VS/node_modules.asar" ] || ln -s node_modules "$VS/node_modules.asar"
echo "install-code-server: step 3/3, built-in extensions"
(cd "$VS/extensions" && with_ticker install-code-server "built-in extensions" "${NPM[@]}" install --ignore-scripts --omit=dev >/dev/null)
echo "$STAMP" > .installed
rm -f ".installed-$VERSION" # marker of earlier versions of this script
echo "install-code-server: ready in $((SECONDS - start)) s ($PWD)"
