#!/usr/bin/env bash
# Runs a cross-built `kelvin` under user-mode qemu:  cross/run.sh ARCH-LINK ARGS...
#   e.g. cross/run.sh armv7-static --version      (build it first: cross/build.sh armv7 static)
# Exit status is kelvin's. A dynamic binary whose libraries are installed as multiarch packages
# (aarch64) runs on the target's own glibc (libc6:arm64, found through /lib/ld-linux-aarch64.so.1):
# under Debian 12's qemu-user, a thread started on the cross toolchain's older glibc
# (libc6-arm64-cross, qemu -L /usr/aarch64-linux-gnu) never returns from pthread_create, which
# kelvin's name lookup needs. Where the libraries were unpacked into a folder instead (armv7),
# it gets the cross glibc as qemu's -L prefix and that folder's lib directory as
# LD_LIBRARY_PATH. A static binary runs with nothing else.
# armv6 runs on qemu's ARM1176, the Pi Zero's and Pi 1's CPU: its default CPU would also run
# ARMv7 code. QEMU_CPU (qemu-user's own variable) picks another, e.g. cortex-a7 for a Pi 2.
# On a machine of that architecture it runs directly. KELVIN_BIN overrides the binary.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

artefact="${1:?usage: cross/run.sh ARCH-LINK ARGS... (ARCH: aarch64|armv7|armv6, LINK: dynamic|static)}"
shift
select_target "${artefact%-*}"
link="${artefact##*-}"
BIN="${KELVIN_BIN:-$REPO_ROOT/out/$artefact/$PRODUCT}"
[ -x "$BIN" ] || die "$BIN not found; run cross/build.sh $TARGET_ARCH $link first"
case "$(uname -m):$TARGET_ARCH" in aarch64:aarch64 | armv7l:armv7 | armv6l:armv6 | armv7l:armv6) exec "$BIN" "$@" ;; esac
command -v "$QEMU" >/dev/null 2>&1 || ensure_packages qemu-user-static
[ "$TARGET_ARCH" != armv6 ] || export QEMU_CPU="${QEMU_CPU:-arm1176}"
case "$link" in
    static) exec "$QEMU" "$BIN" "$@" ;;
    dynamic)
        [ -n "$TARGET_ROOT" ] || exec "$QEMU" "$BIN" "$@"
        exec "$QEMU" -L "/usr/$GNU" -E "LD_LIBRARY_PATH=$TARGET_LIB_DIR" "$BIN" "$@" ;;
    *) die "LINK must be 'dynamic' or 'static' (got '$link')" ;;
esac
