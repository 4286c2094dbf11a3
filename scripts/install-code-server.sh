#!/usr/bin/env bash
# Installs code-server 4.100.3 (VS Code 1.100.3, the newest line that runs on Node 20) into
# .vscode-test/code-server, for the real-editor tests and `npm start`, without any download but npm's.
# Its own install scripts fetch binaries from the internet, so they are skipped and the native parts
# rebuilt here. Idempotent: a marker file records a finished install.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=4.100.3
DIR=.vscode-test/code-server
MARK="$DIR/.installed-$VERSION"
if [ -f "$MARK" ]; then
  exit 0
fi
mkdir -p "$DIR"
cd "$DIR"
[ -f package.json ] || echo '{"name":"code-server-cache","private":true}' > package.json
echo "code-server: npm install (scripts skipped)"
npm install --no-audit --no-fund --ignore-scripts "code-server@$VERSION" >/dev/null
npm rebuild argon2 >/dev/null
VS=node_modules/code-server/lib/vscode
echo "code-server: VS Code server modules"
(cd "$VS" && npm install --no-audit --no-fund --ignore-scripts --omit=dev >/dev/null)
# node-pty's own post-install calls `npx node-gyp`, which asks for confirmation unless told yes.
(cd "$VS" && npm_config_yes=true npm rebuild kerberos node-pty @vscode/spdlog native-watchdog >/dev/null)
mkdir -p "$VS/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VS/node_modules/@vscode/ripgrep/bin/rg"
[ -e "$VS/node_modules.asar" ] || ln -s node_modules "$VS/node_modules.asar"
echo "code-server: built-in extensions"
(cd "$VS/extensions" && npm install --no-audit --no-fund --ignore-scripts --omit=dev >/dev/null)
touch ".installed-$VERSION"
echo "code-server: ready"
