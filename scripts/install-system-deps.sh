#!/usr/bin/env bash
# System packages (Debian) for one purpose: `start` (what building code-server needs) or `test` (that plus
# zstd for the interop tests, chromium for the real-editor tests, docker-registry for the registry tests,
# strace and GNU time for the fault tests). Installs only what is missing; runs as `prestart`/`pretest`, so
# `npm start` and `npm test` need no other step. When it cannot install (no apt, not root and no sudo) it
# names the packages and the command to run; `test` then goes on (the tests that need them say so and skip)
# unless CI=true, where a missing package fails the run instead of silently skipping tests.
set -euo pipefail
# shellcheck source=lib/ticker.sh
source "$(dirname "$0")/lib/ticker.sh"
PURPOSE="${1:-test}"

need=()
want_cmd() { command -v "$1" >/dev/null 2>&1 || need+=("$2"); }
# Building code-server's native modules (npm start and the editor tests).
want_cmd make make
want_cmd g++ g++
want_cmd python3 python3
want_cmd pkg-config pkg-config
want_cmd rg ripgrep
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
if [ "$PURPOSE" = test ]; then
  want_cmd zstd zstd
  want_cmd chromium chromium
  want_cmd docker-registry docker-registry
  want_cmd htpasswd apache2-utils
  want_cmd unzip unzip                 # looking inside the packaged .vsix
  [ -x /usr/bin/time ] || need+=(time) # peak memory of child processes in tests and benchmarks
  want_cmd strace strace               # the fsync-before-rename test
  want_cmd clang clang                 # rebuilding zstd.wasm to check the committed one
  want_cmd wasm-ld lld
  [ -f /usr/lib/wasm32-wasi/libc.a ] || need+=(wasi-libc)
  dpkg -s libclang-rt-14-dev-wasm32 >/dev/null 2>&1 || need+=(libclang-rt-14-dev-wasm32)
fi

# The S3 API server the s3:// tests run against (moto), and boto3 as the other client: Python packages, not Debian
# ones. Installed with pip when missing; under CI=true a missing one fails the run rather than skip the tests.
if [ "$PURPOSE" = test ] && ! { command -v moto_server >/dev/null 2>&1 && python3 -c 'import boto3' 2>/dev/null; }; then
  echo "python packages: moto_server or boto3 missing; installing with pip" >&2
  if ! python3 -m pip install --quiet --user 'moto[server]' boto3 >&2; then
    echo "python packages: could not install; run: python3 -m pip install --user 'moto[server]' boto3" >&2
    [ "${CI:-}" = true ] && exit 1
  fi
fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi

cannot() {
  echo "system packages: missing ${need[*]}" >&2
  echo "system packages: $1; install them with:" >&2
  echo "  sudo apt-get update && sudo apt-get install --no-install-recommends ${need[*]}" >&2
  if [ "$PURPOSE" = start ] || [ "${CI:-}" = true ]; then
    exit 1
  fi
  echo "system packages: going on; the tests that need them will be reported as skipped" >&2
  exit 0
}

command -v apt-get >/dev/null 2>&1 || cannot "this is not a Debian-like system (no apt-get)"
SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    cannot "installing needs root (not root, and sudo is missing or asks for a password)"
  fi
fi

start=$SECONDS
echo "system packages: installing ${need[*]} (one time; about 1-3 minutes with chromium)"
with_ticker "system packages" "updating the package lists" "${SUDO[@]}" apt-get update -qq
with_ticker "system packages" "installing" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
echo "system packages: done in $((SECONDS - start)) s"
