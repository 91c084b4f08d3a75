#!/usr/bin/env bash
# Builds crate/ to wasm32 + simd128 with Debian's rustc, optimises it with wasm-opt, and writes
# ts/wasm/modeconn_core.wasm (committed); then assembles the relaxed-SIMD module
# (scripts/build-relaxed.mjs → ts/wasm/modeconn_relaxed.wasm). The core imports its memory (so the
# relaxed module can share it) with a fixed initial size that ts/wasm/kernel.ts repeats
# (CORE_INITIAL_PAGES), and imports `relaxed.gemm_tile`. Byte-reproducible: paths remapped, no debug info, no
# producers section. `--check` builds into a temporary file and fails if it differs from the
# committed binary, so the binary can never drift from its source.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/ts/wasm/modeconn_core.wasm"
check=0
[ "${1:-}" = "--check" ] && check=1

for tool in /usr/bin/rustc /usr/bin/cargo wasm-opt; do
  command -v "$tool" >/dev/null || {
    echo "build-wasm: $tool not found; install Debian's toolchain: apt-get install -y rustc libstd-rust-dev-wasm32 lld binaryen" >&2
    exit 1
  }
done

target_dir="$root/crate/target/wasm"
# RUSTFLAGS replaces crate/.cargo/config.toml's flags, so they are repeated here.
RUSTC=/usr/bin/rustc \
RUSTFLAGS="-C target-feature=+simd128 -C link-arg=--import-memory -C link-arg=--initial-memory=2097152 -C debuginfo=0 --remap-path-prefix=$root=/modeconn --remap-path-prefix=${CARGO_HOME:-$HOME/.cargo}=/cargo" \
  /usr/bin/cargo build --quiet --release --target wasm32-unknown-unknown \
  --manifest-path "$root/crate/Cargo.toml" --target-dir "$target_dir"

raw="$target_dir/wasm32-unknown-unknown/release/modeconn_core.wasm"
tmp=$(mktemp --suffix .wasm)
trap 'rm -f "$tmp"' EXIT
wasm-opt -O3 --enable-simd --strip-debug --strip-producers "$raw" -o "$tmp"

if [ "$check" = 1 ]; then
  if cmp -s "$tmp" "$out"; then
    echo "build-wasm: committed binary matches crate/ ($(wc -c <"$out") bytes)"
  else
    echo "build-wasm: ts/wasm/modeconn_core.wasm differs from a fresh build of crate/; run 'npm run build:wasm' and commit it" >&2
    exit 1
  fi
else
  cp "$tmp" "$out"
  echo "build-wasm: wrote ts/wasm/modeconn_core.wasm ($(wc -c <"$out") bytes)"
fi
if [ "$check" = 1 ]; then node "$root/scripts/build-relaxed.mjs" --check; else node "$root/scripts/build-relaxed.mjs"; fi
