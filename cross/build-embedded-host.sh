#!/usr/bin/env bash
# Embedded Swift check of `kelvin` on the build machine (x86_64 Linux), plus a runnable binary.
#   cross/build-embedded-host.sh            -> out/embedded-host/kelvin (dynamic)
#   KELVIN_LINK=static-pie cross/build-embedded-host.sh   -> out/embedded-host-static/kelvin, a
#       self-contained static PIE (libssl, libcrypto, libgpiod, libi2c and libc linked in) that runs
#       in a bare initramfs: the kernel tests boot it (kernel/run.sh)
# Compiles every module `kelvin` links in Embedded mode (toolset cross/toolsets/embedded-host.json,
# scratch path .build-embedded), lets SwiftPM link it (the check), then links SwiftPM's object list
# by hand with the host gcc exactly like the device link, so the recipe is exercised without qemu.
# Both link modes compile into the same scratch path: the objects are the same, only the link differs.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TRIPLE="x86_64-unknown-linux-gnu"
SCRATCH="$REPO_ROOT/.build-embedded"
LINK_MODE="${KELVIN_LINK:-dynamic}"

case "$LINK_MODE" in
    dynamic) OUT="$REPO_ROOT/out/embedded-host/$PRODUCT"; link_mode_flags=() ;;
    # As for aarch64: plain -static fails on a copy relocation.
    static-pie) OUT="$REPO_ROOT/out/embedded-host-static/$PRODUCT"; link_mode_flags=(-static-pie) ;;
    *) die "KELVIN_LINK must be 'dynamic' or 'static-pie' (got '$LINK_MODE')" ;;
esac

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
link_kelvin "${CC:-gcc}" "${NM:-nm}" "$OUT" "$EMB_LIB" "${link_mode_flags[@]}"
t_link="$(elapsed "$t1")"

if [ "$LINK_MODE" = static-pie ]; then
    # A bare initramfs has no dynamic loader and no libraries: nothing may be left to load.
    if readelf -d "$OUT" 2>/dev/null | grep -q '(NEEDED)'; then
        die "$OUT still needs shared libraries: $(readelf -d "$OUT" | grep '(NEEDED)' | tr -s ' ' | tr '\n' ' ')"
    fi
    "$OUT" --version >/dev/null 2>&1 || die "$OUT does not run"
else
    ldd "$OUT" >/dev/null 2>&1 || die "$OUT does not load (ldd failed)"
fi

size="$(file_size "$OUT")"
echo "Embedded host build of $PRODUCT ($LINK_MODE): ok (compile $t_compile, link $t_link)"
echo "  SwiftPM-linked: ${SCRATCH#"$REPO_ROOT"/}/$TRIPLE/release/$PRODUCT"
echo "  binary:         ${OUT#"$REPO_ROOT"/} ($size bytes, $(human "$size"))"
if command -v file >/dev/null 2>&1; then echo "  $(file -b "$OUT" | cut -d, -f1-2)"; fi
