#!/usr/bin/env bash
# Runs the cross-built device binary under user-mode qemu:  cross/run-aarch64.sh ARGS...
# Exit status is kelvin's. Build first with cross/build-aarch64.sh.
# KELVIN_BIN overrides the binary (default out/aarch64/kelvin).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BIN="${KELVIN_BIN:-$REPO_ROOT/out/aarch64/$PRODUCT}"
[ -x "$BIN" ] || die "$BIN not found; run cross/build-aarch64.sh first"
if [ "$(uname -m)" = aarch64 ]; then exec "$BIN" "$@"; fi
command -v qemu-aarch64-static >/dev/null 2>&1 || ensure_packages qemu-user-static
exec qemu-aarch64-static -L /usr/aarch64-linux-gnu "$BIN" "$@"
