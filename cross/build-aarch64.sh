#!/usr/bin/env bash
# Cross-builds `kelvin` in Embedded Swift for 64-bit Raspberry Pi OS / Debian arm64.
#   cross/build-aarch64.sh     -> out/aarch64/kelvin (dynamic PIE), out/aarch64/kelvin.stripped
#   KELVIN_LINK=static-pie cross/build-aarch64.sh   -> self-contained static PIE instead
# Compile: SwiftPM, --triple aarch64-none-none-elf (the Embedded stdlib's aarch64 triple) with
# cross/toolsets/aarch64-linux.json (Linux defines + Debian arm64 headers), scratch .build-aarch64.
# Link: SwiftPM's object list with aarch64-linux-gnu-gcc against the arm64 multiarch libraries.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRIPLE="aarch64-none-none-elf"
SCRATCH="$REPO_ROOT/.build-aarch64"
OUT_DIR="$REPO_ROOT/out/aarch64"
OUT="$OUT_DIR/$PRODUCT"
LINK_MODE="${KELVIN_LINK:-dynamic}"

ensure_packages --arm64 file gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
    libssl-dev:arm64 libgpiod-dev:arm64 libi2c-dev:arm64
find_toolchain
EMB_LIB="$(embedded_lib_dir "$TRIPLE")"

case "$LINK_MODE" in
    dynamic) link_mode_flags=() ;;
    static-pie) link_mode_flags=(-static-pie) ;;  # plain -static fails on a copy relocation
    *) die "KELVIN_LINK must be 'dynamic' or 'static-pie' (got '$LINK_MODE')" ;;
esac

t0="$(now)"
swiftpm_compile "$TRIPLE" "$CROSS_DIR/toolsets/aarch64-linux.json" "$SCRATCH"
t_compile="$(elapsed "$t0")"

t1="$(now)"
rm -f "$OUT" "$OUT.stripped"
link_kelvin aarch64-linux-gnu-gcc aarch64-linux-gnu-nm "$OUT" "$EMB_LIB" -L/usr/lib/aarch64-linux-gnu "${link_mode_flags[@]}"
t_link="$(elapsed "$t1")"

aarch64-linux-gnu-strip -o "$OUT.stripped" "$OUT" || die "aarch64-linux-gnu-strip failed"

file_line="$(file "$OUT")"
case "$file_line" in
    *"ARM aarch64"*) ;;
    *) die "unexpected binary type: $file_line" ;;
esac

size="$(file_size "$OUT")"; ssize="$(file_size "$OUT.stripped")"
echo "aarch64 build of $PRODUCT ($LINK_MODE): ok (compile $t_compile, link $t_link)"
echo "  binary:   ${OUT#"$REPO_ROOT"/}"
echo "  file:     ${file_line#"$OUT": }"
echo "  size:     $size bytes ($(human "$size")) unstripped"
echo "  stripped: ${OUT#"$REPO_ROOT"/}.stripped, $ssize bytes ($(human "$ssize"))"
