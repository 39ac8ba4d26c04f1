#!/usr/bin/env bash
# Embedded Swift check of `kelvin` on the build machine (x86_64 Linux), plus a runnable binary.
#   cross/build-embedded-host.sh            -> out/embedded-host/kelvin
# Compiles every module `kelvin` links in Embedded mode (toolset cross/toolsets/embedded-host.json,
# scratch path .build-embedded), lets SwiftPM link it (the check), then links SwiftPM's object list
# by hand with the host gcc exactly like the device link, so the recipe is exercised without qemu.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRIPLE="x86_64-unknown-linux-gnu"
SCRATCH="$REPO_ROOT/.build-embedded"
OUT="$REPO_ROOT/out/embedded-host/$PRODUCT"

ensure_packages gcc libc6-dev libssl-dev libgpiod-dev libi2c-dev
find_toolchain
EMB_LIB="$(embedded_lib_dir "$TRIPLE")"

t0="$(now)"
# SwiftPM's own link for this triple works once it is given the Embedded Unicode tables and libm.
swiftpm_compile "$TRIPLE" "$CROSS_DIR/toolsets/embedded-host.json" "$SCRATCH" \
    -Xlinker -L"$EMB_LIB" -Xlinker -lswiftUnicodeDataTables -Xlinker -lm
t_compile="$(elapsed "$t0")"
if [ "$SWIFTPM_LINK_OK" != 1 ]; then
    cat "$SCRATCH/swiftpm-product.log" >&2
    die "SwiftPM's link of the Embedded host build failed"
fi

t1="$(now)"
link_kelvin "${CC:-gcc}" "${NM:-nm}" "$OUT" "$EMB_LIB"
t_link="$(elapsed "$t1")"

ldd "$OUT" >/dev/null 2>&1 || die "$OUT does not load (ldd failed)"

size="$(file_size "$OUT")"
echo "Embedded host build of $PRODUCT: ok (compile $t_compile, link $t_link)"
echo "  SwiftPM-linked: ${SCRATCH#"$REPO_ROOT"/}/$TRIPLE/release/$PRODUCT"
echo "  binary:         ${OUT#"$REPO_ROOT"/} ($size bytes, $(human "$size"))"
if command -v file >/dev/null 2>&1; then echo "  $(file -b "$OUT" | cut -d, -f1-2)"; fi
