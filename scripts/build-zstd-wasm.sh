#!/usr/bin/env bash
# Compiles the zstd library that zstd-napi bundles (so both engines are the same libzstd version and write the
# same bytes) to WebAssembly with Debian's toolchain: clang, lld (wasm-ld), wasi-libc, and compiler-rt's wasm32
# builtins (packages clang lld wasi-libc libclang-rt-14-dev-wasm32). The result, server/wasm/zstd.wasm, is
# committed: users and CI need no compiler, and test/unit/zstdEngine.unit.test.ts rebuilds it when the
# toolchain is present and requires the same bytes.
# A reactor module (no main) with no imports at all: no WASI calls, so it runs in any JavaScript runtime.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT="${1:-server/wasm/zstd.wasm}"
Z=node_modules/zstd-napi/deps/zstd/lib
SYSROOT="$(mktemp -d)"
trap 'rm -rf "$SYSROOT"' EXIT
# Debian installs wasi-libc under /usr/{include,lib}/wasm32-wasi; clang wants a sysroot of that shape.
mkdir -p "$SYSROOT/lib"
ln -s /usr/include/wasm32-wasi "$SYSROOT/include"
ln -s /usr/lib/wasm32-wasi "$SYSROOT/lib/wasm32-wasi"
EXPORTS=(malloc free ZSTD_versionNumber ZSTD_isError ZSTD_getErrorName ZSTD_compressBound ZSTD_createCCtx
  ZSTD_freeCCtx ZSTD_CCtx_setParameter ZSTD_compress2 ZSTD_createDCtx ZSTD_freeDCtx ZSTD_DCtx_reset
  ZSTD_decompressStream ZSTD_DStreamOutSize)
LINK=()
for e in "${EXPORTS[@]}"; do LINK+=("-Wl,--export=$e"); done
# Memory grows as contexts need it (level 19 with an 8 MiB window takes about 100 MiB); the limit is wasm32's.
clang --target=wasm32-wasi --sysroot="$SYSROOT" -O3 -DNDEBUG -DZSTD_DISABLE_ASM -DZSTD_LEGACY_SUPPORT=0 \
  -mexec-model=reactor -Wl,--max-memory=4294967296 -Wl,--strip-all "${LINK[@]}" \
  -I"$Z" -I"$Z/common" "$Z"/common/*.c "$Z"/compress/*.c "$Z"/decompress/*.c -o "$OUT"
echo "build-zstd-wasm: $OUT ($(stat -c %s "$OUT") bytes, zstd $(grep -m1 -o 'ZSTD_VERSION_MAJOR *[0-9]*' "$Z/zstd.h" | grep -o '[0-9]*$').$(grep -m1 -o 'ZSTD_VERSION_MINOR *[0-9]*' "$Z/zstd.h" | grep -o '[0-9]*$').$(grep -m1 -o 'ZSTD_VERSION_RELEASE *[0-9]*' "$Z/zstd.h" | grep -o '[0-9]*$'))"
