#!/usr/bin/env bash
# Runs a cross-built `kelvin` under user-mode qemu:  cross/run.sh ARCH-LINK ARGS...
#   e.g. cross/run.sh armv7-static --version      (build it first: cross/build.sh armv7 static)
# Exit status is kelvin's. A dynamic binary gets the cross glibc (/usr/GNU-TRIPLE) as qemu's
# -L prefix and, where the target's libraries were unpacked into a folder rather than installed
# (armv7), that folder's lib directory as LD_LIBRARY_PATH; a static one runs with nothing else.
# On a machine of that architecture it runs directly. KELVIN_BIN overrides the binary.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

artefact="${1:?usage: cross/run.sh ARCH-LINK ARGS... (ARCH: aarch64|armv7, LINK: dynamic|static)}"
shift
select_target "${artefact%-*}"
link="${artefact##*-}"
BIN="${KELVIN_BIN:-$REPO_ROOT/out/$artefact/$PRODUCT}"
[ -x "$BIN" ] || die "$BIN not found; run cross/build.sh $TARGET_ARCH $link first"
case "$(uname -m):$TARGET_ARCH" in aarch64:aarch64 | armv7l:armv7) exec "$BIN" "$@" ;; esac
command -v "$QEMU" >/dev/null 2>&1 || ensure_packages qemu-user-static
case "$link" in
    static) exec "$QEMU" "$BIN" "$@" ;;
    dynamic)
        libs=()
        [ -z "$TARGET_ROOT" ] || libs=(-E "LD_LIBRARY_PATH=$TARGET_LIB_DIR")
        exec "$QEMU" -L "/usr/$GNU" "${libs[@]}" "$BIN" "$@" ;;
    *) die "LINK must be 'dynamic' or 'static' (got '$link')" ;;
esac
