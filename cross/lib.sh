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
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get update -o Acquire::Retries=3 -o DPkg::Lock::Timeout=600 --error-on=any >&2; then
            return 0
        fi
        log "apt-get update failed (attempt $i/5); retrying in $((i * 5))s"
        sleep $((i * 5))
    done
    log "apt-get update kept failing; trying the install with the package lists we have"
}

# ensure_packages [--arch ARCH]... PKG...
# --arch ARCH (e.g. arm64, armhf; --arm64 is short for --arch arm64) enables that foreign
# architecture with `dpkg --add-architecture` first, when packages are missing.
ensure_packages() {
    local archs=() missing=() p i a
    while [ $# -gt 0 ]; do
        case "$1" in
            --arm64) archs+=(arm64); shift ;;
            --arch) archs+=("${2:?--arch needs an architecture}"); shift 2 ;;
            *) break ;;
        esac
    done
    for p in "$@"; do pkg_installed "$p" || missing+=("$p"); done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get; install them by hand"
    log "installing missing packages: ${missing[*]}"
    for a in "${archs[@]}"; do enable_foreign_arch "$a" || true; done
    apt_update_retry
    for i in 1 2 3; do
        if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            -o Acquire::Retries=3 -o DPkg::Lock::Timeout=600 "${missing[@]}" >&2; then
            break
        fi
        [ "$i" -eq 3 ] && die "apt-get install failed for: ${missing[*]}"
        log "apt-get install failed (attempt $i/3); retrying"
        sleep $((i * 5))
    done
    for p in "${missing[@]}"; do pkg_installed "$p" || die "package $p is still not installed"; done
}

# enable_foreign_arch ARCH -- `dpkg --add-architecture ARCH` (then refresh apt's lists) unless
# dpkg already knows it or ARCH is the machine's own.
enable_foreign_arch() {
    if ! dpkg --print-foreign-architectures | grep -qx "$1" && [ "$(dpkg --print-architecture)" != "$1" ]; then
        as_root dpkg --add-architecture "$1"
        return 1
    fi
}

# ensure_sysroot DEBARCH DIR PKG... -- DIR holds the packages PKG:DEBARCH unpacked (`apt-get
# download` + `dpkg-deb -x`, nothing installed into the system), in the versions apt offers now;
# unpacked again only when those versions change. Unlike multiarch `-dev` packages these need no
# version in lockstep with the build machine's own copy of the library.
ensure_sysroot() {
    local arch="$1" dir="$2"; shift 2
    local want=() deb tmp
    enable_foreign_arch "$arch" || apt_update_retry
    # One apt-cache call for all of them: "PKG:ARCH=VERSION" for each package apt offers.
    candidates() {
        apt-cache policy "${@/%/:$arch}" 2>/dev/null | awk '
            /^[^ ].*:$/ { name = substr($0, 1, length($0) - 1) }
            $1 == "Candidate:" && $2 != "(none)" { print name "=" $2 }'
    }
    mapfile -t want < <(candidates "$@")
    if [ ${#want[@]} -ne $# ]; then
        apt_update_retry
        mapfile -t want < <(candidates "$@")
        [ ${#want[@]} -eq $# ] || die "apt offers only ${want[*]:-none} of: ${*/%/:$arch}"
    fi
    if [ -f "$dir/.packages" ] && [ "$(cat "$dir/.packages")" = "${want[*]}" ]; then return 0; fi
    log "unpacking ${want[*]} into ${dir#"$REPO_ROOT"/}"
    rm -rf "$dir"
    mkdir -p "$dir"
    tmp="$(mktemp -d)"
    # As root, apt downloads as the _apt user, which cannot write into a private temporary folder.
    (cd "$tmp" && apt-get download -o Acquire::Retries=3 \
        $([ "$(id -u)" -eq 0 ] && echo "-o APT::Sandbox::User=root") "${want[@]}") \
        || { rm -rf "$tmp"; die "apt-get download failed for: ${want[*]}"; }
    for deb in "$tmp"/*.deb; do dpkg-deb -x "$deb" "$dir" || { rm -rf "$tmp"; die "cannot unpack $deb"; }; done
    rm -rf "$tmp"
    printf '%s\n' "${want[*]}" >"$dir/.packages"
}

# --- Device architectures ----------------------------------------------------------------------
# select_target ARCH (aarch64 | armv7 | armv6) sets, for that device architecture:
#   TRIPLE        the Embedded Swift triple (the stdlib ships these, not a *-linux-* one)
#   GNU           the GNU triple of Debian's cross gcc/binutils and multiarch directories
#   DEBARCH       Debian's name of the architecture
#   QEMU          the user-mode emulator that runs its binaries here
#   TARGET_FLAGS  extra clang flags for the ABI (also given to the Swift compiler via -Xcc)
#   FILE_WORDS    what `file` says of a binary of that architecture
#   STATIC_FLAGS  how gcc links a self-contained binary; STATIC_WORDS what `file` then says
#   TARGET_ROOT   where the device's libssl/libgpiod/libi2c headers and libraries are found:
#                 "" for multiarch packages installed into the system (/usr/lib/$GNU),
#                 else a folder they were unpacked into (ensure_sysroot)
#   TARGET_PACKAGES  the Debian packages the build needs (for ensure_packages --arch $DEBARCH)
#   LINKS         the links that make a program for the device (dynamic static, or static alone)
#   LATE_LIBS     libraries linked after OpenSSL (for what it needs that the target lacks)
# and SCRATCH (the SwiftPM scratch path) and SYSROOT_PACKAGES (what goes into TARGET_ROOT).
TARGET_LIBS=(libssl-dev libgpiod-dev libi2c-dev)
select_target() {
    TARGET_ARCH="$1" LINKS=(dynamic static) LATE_LIBS=()
    case "$1" in
        aarch64)
            TRIPLE="aarch64-none-none-elf" GNU="aarch64-linux-gnu" DEBARCH="arm64" QEMU="qemu-aarch64-static"
            TARGET_FLAGS=() FILE_WORDS="ARM aarch64" TARGET_ROOT=""
            # plain -static fails on a copy relocation
            STATIC_FLAGS=(-static-pie) STATIC_WORDS="static-pie linked"
            SYSROOT_PACKAGES=() ;;
        armv7)
            # Debian armhf: ARMv7-A, VFPv3-D16, floating point in VFP registers (hard-float ABI).
            TRIPLE="armv7-none-none-eabi" GNU="arm-linux-gnueabihf" DEBARCH="armhf" QEMU="qemu-arm-static"
            TARGET_FLAGS=(-mfloat-abi=hard -mfpu=vfpv3-d16) FILE_WORDS="ARM, EABI5" TARGET_ROOT="$REPO_ROOT/.build-armv7/sysroot"
            # Debian's armhf glibc has no rcrt1.o (no static PIE): a static executable at a fixed address.
            STATIC_FLAGS=(-static -no-pie) STATIC_WORDS="statically linked"
            SYSROOT_PACKAGES=("${TARGET_LIBS[@]}" libssl3 libgpiod2 libi2c0) ;;
        armv6)
            # Pi Zero and Pi 1 (ARM1176). Raspberry Pi OS's ARMv6 hard-float libraries are in no
            # Debian archive; Debian armel's (ARMv5TE, soft-float) are, and run on an ARMv6 CPU.
            # Their calling convention is not Raspberry Pi OS's, so only a static program runs on
            # it, which then runs on every 32-bit Raspberry Pi OS (cross/README.md).
            TRIPLE="armv6-none-none-eabi" GNU="arm-linux-gnueabi" DEBARCH="armel" QEMU="qemu-arm-static"
            TARGET_FLAGS=(-mfloat-abi=soft -march=armv6) FILE_WORDS="ARM, EABI5" TARGET_ROOT="$REPO_ROOT/.build-armv6/sysroot"
            STATIC_FLAGS=(-static -no-pie) STATIC_WORDS="statically linked" LINKS=(static)
            # ARMv5TE has no 64-bit atomic instructions: armel's OpenSSL calls __atomic_*_8.
            LATE_LIBS=(-latomic)
            SYSROOT_PACKAGES=("${TARGET_LIBS[@]}" libssl3 libgpiod2 libi2c0) ;;
        *) die "unknown device architecture '$1' (aarch64, armv7 or armv6)" ;;
    esac
    SCRATCH="$REPO_ROOT/.build-$1"
    TARGET_PACKAGES=(file "gcc-$GNU" "binutils-$GNU" "libc6-dev-$DEBARCH-cross")
    [ -n "$TARGET_ROOT" ] || TARGET_PACKAGES+=("${TARGET_LIBS[@]/%/:$DEBARCH}")
    TARGET_LIB_DIR="$TARGET_ROOT/usr/lib/$GNU"
}

# select_package ARCH -- select_target, and the .deb of that architecture (cross/package-deb.sh):
#   PACKAGE        its name;  PACKAGE_LINK  the build it carries;  PACKAGE_ARCH  dpkg's architecture
#   PACKAGE_OTHER  the package that installs the same files, which it conflicts with and replaces
# armv6 is packaged as kelvin-static for armhf, beside the dynamic kelvin (cross/README.md).
select_package() {
    select_target "$1"
    case "$1" in
        armv6) PACKAGE=kelvin-static PACKAGE_LINK=static PACKAGE_ARCH=armhf PACKAGE_OTHER=kelvin ;;
        *) PACKAGE=kelvin PACKAGE_LINK=dynamic PACKAGE_ARCH="$DEBARCH" PACKAGE_OTHER=kelvin-static ;;
    esac
}

# ensure_target -- installs what select_target's architecture needs to build (idempotent).
ensure_target() {
    ensure_packages --arch "$DEBARCH" "${TARGET_PACKAGES[@]}"
    [ ${#SYSROOT_PACKAGES[@]} -eq 0 ] || ensure_sysroot "$DEBARCH" "$TARGET_ROOT" "${SYSROOT_PACKAGES[@]}"
}

# write_toolset FILE -- the SwiftPM toolset for select_target's architecture. Clang defines neither
# __linux__ nor __unix__ for a *-none-* triple, so they are defined as for *-linux-gnu; the
# headers come after clang's own: the target's multiarch ones, the cross glibc and kernel headers,
# then the architecture-independent ones (openssl/, gpiod.h, i2c/smbus.h).
write_toolset() {
    local defines=(-D__linux__=1 -D__linux=1 -Dlinux=1 -D__gnu_linux__=1 -D__unix__=1 -D__unix=1 -Dunix=1)
    local cflags=(-fPIC "${TARGET_FLAGS[@]}" "${defines[@]}"
        -idirafter "$TARGET_ROOT/usr/include/$GNU" -idirafter "/usr/$GNU/include" -idirafter "$TARGET_ROOT/usr/include")
    local swift=(-enable-experimental-feature Embedded -wmo -Osize -Xfrontend -function-sections) f
    for f in "${cflags[@]}"; do swift+=(-Xcc "$f"); done
    json_list() { local first=1 a; for a in "$@"; do [ $first -eq 1 ] || printf ', '; first=0; printf '"%s"' "$a"; done; }
    mkdir -p "$(dirname "$1")"
    cat >"$1.new" <<JSON
{
  "schemaVersion": "1.0",
  "swiftCompiler": { "extraCLIOptions": [$(json_list "${swift[@]}")] },
  "cCompiler": { "extraCLIOptions": [$(json_list "${cflags[@]}" -ffunction-sections -fdata-sections)] }
}
JSON
    # Rewritten only when different, so that SwiftPM sees an unchanged toolset as unchanged.
    if cmp -s "$1.new" "$1"; then rm -f "$1.new"; else mv "$1.new" "$1"; fi
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
        -lssl -lcrypto -lgpiod -li2c -lm "${LATE_LIBS[@]}" \
        || die "link failed ($cc)"
}

file_size() { stat -c %s "$1"; }
human() { awk -v b="$1" 'BEGIN { if (b >= 1048576) printf "%.2f MiB", b/1048576; else printf "%.1f KiB", b/1024 }'; }
