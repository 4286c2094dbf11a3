#!/usr/bin/env bash
# Builds pf-core's own store code (the benchmark baseline, not part of the product) from its source, offline,
# with Debian's packaged Rust crates. Prints the binary's path on the last line. Source: $PFCORE_ANCHOR_SRC,
# else the anchors folder provided beside this repository; output under .bench-cache/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
src="${PFCORE_ANCHOR_SRC:-../shared/anchors/pfcore}"
target="${PFCORE_ANCHOR_TARGET:-$PWD/.bench-cache/pfcore-target}"
bin="$target/release/pfcore-anchor"
if [ -x "$bin" ] && [ "$bin" -nt "$src/src/blob.rs" ]; then
  echo "$bin"
  exit 0
fi
if [ ! -f "$src/Cargo.toml" ]; then
  echo "no pf-core anchor source at $src (set PFCORE_ANCHOR_SRC)" >&2
  exit 3
fi
need=()
for pkg in librust-zstd-dev librust-sha2-dev librust-hex-dev librust-parking-lot-dev librust-dashmap-dev librust-tempfile-dev; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
command -v cargo >/dev/null 2>&1 || need+=(cargo)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "pf-core anchor: installing ${need[*]}" >&2
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >&2
fi
echo "pf-core anchor: building (about 20 s)" >&2
(cd "$src" && CARGO_TARGET_DIR="$target" cargo build --release --offline -q) >&2
echo "$bin"
