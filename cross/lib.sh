# Shared helpers for cross/*.sh. Source it; do not run it.
# shellcheck shell=bash

set -euo pipefail

CROSS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CROSS_DIR/.." && pwd)"
PRODUCT="kelvin"
# The executable's entry symbol. SwiftPM renames an executable module's entry point to
# `<module>_main` and links with `--defsym main=<module>_main`; Sources/kelvin defines that
# symbol itself with `@_cdecl("kelvin_main")` so that it receives argc/argv.
ENTRY_SYMBOL="kelvin_main"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# --- Swift toolchain, found from `swiftc` on PATH (or $SWIFTC) ---------------------------------
find_toolchain() {
    local swiftc
    swiftc="${SWIFTC:-$(command -v swiftc || true)}"
    [ -n "$swiftc" ] || die "swiftc not found on PATH (install Swift 6.3+ or set SWIFTC)"
    SWIFT_BIN_DIR="$(dirname "$(readlink -f "$swiftc")")"
    SWIFT_LIB_DIR="$(cd "$SWIFT_BIN_DIR/../lib/swift" && pwd)" \
        || die "no lib/swift next to $SWIFT_BIN_DIR"
    SWIFT="$SWIFT_BIN_DIR/swift"
    [ -x "$SWIFT" ] || SWIFT="$(command -v swift)"
    "$SWIFT" --version 2>/dev/null | head -n1 >&2 || true
}

# Directory of the Embedded Swift static libs for a triple (libswiftUnicodeDataTables.a, ...).
embedded_lib_dir() {
    local dir="$SWIFT_LIB_DIR/embedded/$1"
    [ -f "$dir/libswiftUnicodeDataTables.a" ] \
        || die "$dir/libswiftUnicodeDataTables.a missing: this toolchain has no Embedded Swift support for $1"
    printf '%s\n' "$dir"
}

# --- Debian packages, installed only when missing ----------------------------------------------
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# pkg_installed NAME[:ARCH] -- an unqualified NAME means the native architecture (or arch "all").
pkg_installed() {
    local name="${1%%:*}" arch="${1#*:}"
    [ "$arch" = "$1" ] && arch="$(dpkg --print-architecture)"
    dpkg-query -W -f='${Status} ${Architecture}\n' "$name" 2>/dev/null \
        | grep -Eq "^install ok installed ($arch|all)\$"
}

apt_update_retry() {
    local i
    for i in 1 2 3 4 5; do
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get update -o Acquire::Retries=3 --error-on=any; then
            return 0
        fi
        log "apt-get update failed (attempt $i/5); retrying in $((i * 5))s"
        sleep $((i * 5))
    done
    log "apt-get update kept failing; trying the install with the package lists we have"
}

# ensure_packages [--arm64] PKG...  (--arm64: enable the arm64 foreign architecture first)
ensure_packages() {
    local want_arm64=0 missing=() p i
    if [ "${1:-}" = "--arm64" ]; then want_arm64=1; shift; fi
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get; install them by hand"
    log "installing missing packages: ${missing[*]}"
    if [ $want_arm64 -eq 1 ] && ! dpkg --print-foreign-architectures | grep -qx arm64 \
        && [ "$(dpkg --print-architecture)" != arm64 ]; then
        as_root dpkg --add-architecture arm64
    fi
    apt_update_retry
    for i in 1 2 3; do
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            -o Acquire::Retries=3 "${missing[@]}"; then
            break
        fi
        [ "$i" -eq 3 ] && die "apt-get install failed for: ${missing[*]}"
        log "apt-get install failed (attempt $i/3); retrying"
        sleep $((i * 5))
    done
    for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p is still not installed"; done
}

# --- Build: compile with SwiftPM, then take its object list ------------------------------------
# swiftpm_compile TRIPLE TOOLSET SCRATCH [extra swift-build args...]
# Builds the `kelvin` module closure (compile only), then asks SwiftPM for the product so that it
# writes kelvin.product/Objects.LinkFileList. Sets OBJECT_LIST to that file.
swiftpm_compile() {
    local triple="$1" toolset="$2" scratch="$3"; shift 3
    local bindir="$scratch/$triple/release"
    local common=(-c release --triple "$triple" --toolset "$toolset" --scratch-path "$scratch")

    log "compiling $PRODUCT (Embedded, $triple) into ${scratch#"$REPO_ROOT"/}"
    (cd "$REPO_ROOT" && "$SWIFT" build "${common[@]}" --target "$PRODUCT" "$@") \
        || die "Embedded Swift compile failed for $triple (see errors above)"

    # The objects are all built now; this step only writes the object list and runs SwiftPM's own
    # link, which is expected to fail for a *-none-* triple (it links for bare metal). Its output
    # is kept in a log and only shown when the object list did not appear.
    OBJECT_LIST="$bindir/$PRODUCT.product/Objects.LinkFileList"
    rm -f "$OBJECT_LIST"
    local spm_log="$scratch/swiftpm-product.log"
    if (cd "$REPO_ROOT" && "$SWIFT" build "${common[@]}" --product "$PRODUCT" "$@") >"$spm_log" 2>&1; then
        SWIFTPM_LINK_OK=1
    else
        SWIFTPM_LINK_OK=0
    fi
    if [ ! -s "$OBJECT_LIST" ]; then
        cat "$spm_log" >&2
        die "SwiftPM did not write $OBJECT_LIST"
    fi
    local obj
    while IFS= read -r obj; do
        obj="${obj#\'}"; obj="${obj%\'}"; obj="${obj#\"}"; obj="${obj%\"}"
        [ -f "$obj" ] || die "object in SwiftPM's list is missing: $obj"
    done <"$OBJECT_LIST"
}

# entry_flags NM -- how `main` is provided. Normally Sources/kelvin defines `kelvin_main`
# (@_cdecl) and the link aliases main to it, as SwiftPM's own Linux link does. If the objects
# define `main` themselves, no alias is added (an alias would override it).
entry_flags() {
    local nm="$1" defined
    defined="$(tr -d "'\"" <"$OBJECT_LIST" | xargs -d '\n' "$nm" --defined-only -g 2>/dev/null \
        | awk '$2 ~ /^[TtW]$/ { print $3 }' | grep -Ex "main|$ENTRY_SYMBOL" | sort -u | tr '\n' ' ')" || true
    case " $defined " in
        *" main "*)
            case " $defined " in *" $ENTRY_SYMBOL "*)
                log "warning: objects define both main and $ENTRY_SYMBOL (an implicit top-level main?);" \
                    "linking main. The host 'swift build' would run $ENTRY_SYMBOL instead."
            esac
            ENTRY_FLAGS=() ;;
        *" $ENTRY_SYMBOL "*) ENTRY_FLAGS=(-Wl,--defsym,main="$ENTRY_SYMBOL") ;;
        *) die "no entry point: neither main nor $ENTRY_SYMBOL is defined by the objects in $OBJECT_LIST" ;;
    esac
}

# link_kelvin CC NM OUTPUT EMBEDDED_LIB_DIR [extra link args...]
# Links SwiftPM's object list into a Linux executable with a GNU gcc driver (crt files, libc,
# dynamic loader all come from the gcc/glibc of the target).
link_kelvin() {
    local cc="$1" nm="$2" out="$3" emb="$4"; shift 4
    entry_flags "$nm"
    mkdir -p "$(dirname "$out")"
    "$cc" -o "$out" "@$OBJECT_LIST" \
        "${ENTRY_FLAGS[@]}" \
        -Wl,--gc-sections \
        "$@" \
        -L"$emb" -lswiftUnicodeDataTables \
        -lssl -lcrypto -lgpiod -li2c -lm \
        || die "link failed ($cc)"
}

file_size() { stat -c %s "$1"; }
human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b/1048576; else printf "%.1f KiB", b/1024 }'; }
