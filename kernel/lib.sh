# Shared helpers for kernel/*.sh: Debian's current amd64 kernel, fetched by package name with
# apt-get download and unpacked into a cache (never installed as the host's kernel), and the
# out-of-tree gpio-sim module built against its headers. Source it; do not run it.
# shellcheck shell=bash
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"

KERNEL_CACHE="${KELVIN_KERNEL_CACHE:-$REPO_ROOT/.build-kernel}"
# The guest's modules; each is copied with the modules it depends on.
KERNEL_MODULES=(
    fs/configfs/configfs.ko
    drivers/i2c/i2c-dev.ko
    drivers/i2c/i2c-stub.ko
    drivers/hwmon/lm75.ko
    drivers/iio/pressure/bmp280-i2c.ko
    # The booted Debian of system/run.sh: its root on a virtio disk (ext4), a virtio NIC.
    drivers/virtio/virtio_pci.ko
    drivers/block/virtio_blk.ko
    drivers/net/virtio_net.ko
    fs/ext4/ext4.ko
    crypto/crc32c_generic.ko
)

# resolve_kernel -- sets KERNEL_PACKAGE (linux-image-6.1.0-NN-amd64), KERNEL_VERSION (its Debian
# version), KERNEL_RELEASE (6.1.0-NN-amd64) and KERNEL_ROOT (its cache directory) from what the
# linux-image-amd64 metapackage depends on today. Returns 1 when apt knows no such package.
resolve_kernel() {
    local attempt
    for attempt in 1 2; do
        KERNEL_PACKAGE="$(apt-cache depends linux-image-amd64 2>/dev/null \
            | awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')"
        [ -n "$KERNEL_PACKAGE" ] && break
        # A new machine may have no package lists yet.
        [ "$attempt" = 1 ] && apt_update_retry
    done
    [ -n "$KERNEL_PACKAGE" ] || return 1
    KERNEL_VERSION="$(apt-cache policy "$KERNEL_PACKAGE" 2>/dev/null | awk '$1 == "Candidate:" { print $2 }')"
    [ -n "$KERNEL_VERSION" ] && [ "$KERNEL_VERSION" != "(none)" ] || return 1
    KERNEL_RELEASE="${KERNEL_PACKAGE#linux-image-}"
    KERNEL_ROOT="$KERNEL_CACHE/$KERNEL_PACKAGE-$KERNEL_VERSION"
}

# apt_download DIR PACKAGE[=VERSION]... -- into DIR, by name, with retries. Prints the file names.
apt_download() {
    local dir="$1" i; shift
    mkdir -p "$dir"
    for i in 1 2 3; do
        # apt's sandbox user cannot write to a root-owned directory; it then warns and goes on.
        if (cd "$dir" && apt-get download -o Acquire::Retries=3 "$@" 2>&1 \
            | grep -v -e '^W: Download is performed unsandboxed' >&2; exit "${PIPESTATUS[0]}"); then
            return 0
        fi
        log "apt-get download $* failed (attempt $i/3)"
        sleep $((i * 5))
    done
    return 1
}

# fetch_kernel -- the kernel image and the guest's modules (with what they depend on) in
# KERNEL_ROOT: boot/vmlinuz and modules/kernel/..., plus modules.order and modules.builtin. Kept
# between runs; the 70 MB package itself is not.
fetch_kernel() {
    # The marker holds the module list, so that a longer list fetches again.
    [ "$(cat "$KERNEL_ROOT/.complete" 2>/dev/null)" = "${KERNEL_MODULES[*]}" ] && return 0
    local t0 tmp deb m wanted
    t0="$(now)"
    # extra/ (gpio-sim.ko) depends on the kernel version alone and is kept.
    rm -rf "$KERNEL_ROOT/boot" "$KERNEL_ROOT/modules"
    tmp="$(mktemp -d "$KERNEL_CACHE/fetch.XXXXXX")"
    log "downloading $KERNEL_PACKAGE=$KERNEL_VERSION with apt-get download"
    apt_download "$tmp" "$KERNEL_PACKAGE=$KERNEL_VERSION" || { rm -rf "$tmp"; return 1; }
    deb="$(ls "$tmp"/"$KERNEL_PACKAGE"_*.deb)"
    dpkg-deb -x "$deb" "$tmp/root" || { rm -rf "$tmp"; return 1; }
    # Which modules each one needs, from the package's own tree (it ships no modules.dep).
    busybox depmod -b "$tmp/root" "$KERNEL_RELEASE" || { rm -rf "$tmp"; return 1; }
    local moddir="$tmp/root/lib/modules/$KERNEL_RELEASE"
    mkdir -p "$KERNEL_ROOT/boot" "$KERNEL_ROOT/modules"
    cp "$tmp/root/boot/vmlinuz-$KERNEL_RELEASE" "$tmp/root/boot/config-$KERNEL_RELEASE" "$KERNEL_ROOT/boot/"
    cp "$moddir/modules.order" "$moddir/modules.builtin" "$KERNEL_ROOT/modules/"
    for m in "${KERNEL_MODULES[@]}"; do
        wanted="$(awk -v m="kernel/$m:" '$1 == m { $1 = ""; print }' "$moddir/modules.dep")"
        [ -f "$moddir/kernel/$m" ] || { rm -rf "$tmp"; die "$KERNEL_PACKAGE has no $m"; }
        for f in "kernel/$m" $wanted; do
            mkdir -p "$KERNEL_ROOT/modules/$(dirname "$f")"
            cp "$moddir/$f" "$KERNEL_ROOT/modules/$f"
        done
    done
    rm -rf "$tmp"
    echo "${KERNEL_MODULES[*]}" >"$KERNEL_ROOT/.complete"
    log "kernel $KERNEL_RELEASE ($KERNEL_VERSION) unpacked in $(elapsed "$t0")"
}

# build_gpio_sim -- KERNEL_ROOT/extra/gpio-sim.ko, built out of tree: Debian's kernels have
# neither gpio-sim nor CONFIG_IRQ_SIM, so drivers/gpio/gpio-sim.c and kernel/irq/irq_sim.c (and
# the gpiolib.h the first includes) come from linux-source of the same version, and are built
# as one module against linux-headers of the same version. Signature enforcement is off in
# Debian's kernels (the module only taints the kernel); vermagic must match, and is checked.
build_gpio_sim() {
    local out="$KERNEL_ROOT/extra/gpio-sim.ko"
    [ -f "$out" ] && return 0
    ensure_packages make gcc-12 libc6-dev xz-utils libelf1 binutils
    local t0 tmp headers common upstream source_version deb hdr src
    t0="$(now)"
    tmp="$(mktemp -d "$KERNEL_CACHE/gpio-sim.XXXXXX")"
    headers="linux-headers-$KERNEL_RELEASE"
    common="$(apt-cache depends "$headers=$KERNEL_VERSION" 2>/dev/null \
        | awk '$1 == "Depends:" && $2 ~ /^linux-headers-.*-common$/ { print $2; exit }')"
    [ -n "$common" ] || { rm -rf "$tmp"; log "no common headers package for $headers"; return 1; }
    # linux-source carries the upstream version in its name (linux-source-6.1). The exact
    # Debian revision is preferred; another revision of the same upstream release has the
    # same gpio-sim.c.
    upstream="${KERNEL_VERSION%%-*}"
    source_version="$KERNEL_VERSION"
    if ! apt-cache show "linux-source-${upstream%.*}=$KERNEL_VERSION" >/dev/null 2>&1; then
        source_version="$(apt-cache policy "linux-source-${upstream%.*}" | awk '$1 == "Candidate:" { print $2 }')"
        [ "${source_version%%-*}" = "$upstream" ] \
            || { rm -rf "$tmp"; log "no linux-source-${upstream%.*} of upstream $upstream (candidate: $source_version)"; return 1; }
    fi
    log "downloading $headers, $common, linux-kbuild and linux-source-${upstream%.*}=$source_version"
    apt_download "$tmp" "$headers=$KERNEL_VERSION" "$common=$KERNEL_VERSION" "linux-kbuild-${upstream%.*}" \
        "linux-source-${upstream%.*}=$source_version" || { rm -rf "$tmp"; return 1; }
    hdr="$tmp/root"
    for deb in "$tmp"/linux-headers-*.deb "$tmp"/linux-kbuild-*.deb; do
        dpkg-deb -x "$deb" "$hdr" || { rm -rf "$tmp"; return 1; }
    done
    # The arch headers' Makefile includes the common one by its installed, absolute path.
    sed -i "s|^include /usr/src/|include $hdr/usr/src/|" "$hdr/usr/src/$headers/Makefile"
    src="$tmp/module"
    mkdir -p "$src"
    dpkg-deb --fsys-tarfile "$tmp"/linux-source-*.deb \
        | tar -x -O --wildcards '*/linux-source-*.tar.xz' \
        | tar -xJ -C "$src" --strip-components=1 --wildcards \
            '*/drivers/gpio/gpio-sim.c' '*/drivers/gpio/gpiolib.h' '*/kernel/irq/irq_sim.c' \
        || { rm -rf "$tmp"; log "could not unpack gpio-sim.c, gpiolib.h and irq_sim.c from linux-source"; return 1; }
    mv "$src/drivers/gpio/gpio-sim.c" "$src/gpio-sim-main.c"
    mv "$src/drivers/gpio/gpiolib.h" "$src/kernel/irq/irq_sim.c" "$src/"
    # irq_to_desc is not exported to modules; generic_handle_irq(n) is handle_simple_irq on the
    # same descriptor here, the handler irq_sim gives every interrupt it maps.
    grep -q 'handle_simple_irq(irq_to_desc(irqnum));' "$src/irq_sim.c" \
        || { rm -rf "$tmp"; log "irq_sim.c no longer calls handle_simple_irq(irq_to_desc(irqnum)); update kernel/lib.sh"; return 1; }
    sed -i 's|handle_simple_irq(irq_to_desc(irqnum));|generic_handle_irq(irqnum);|' "$src/irq_sim.c"
    printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' >"$src/Kbuild"
    if ! make -C "$hdr/usr/src/$headers" M="$src" modules >"$tmp/build.log" 2>&1; then
        cat "$tmp/build.log" >&2
        rm -rf "$tmp"
        log "gpio-sim did not build against $headers"
        return 1
    fi
    local vermagic
    vermagic="$(strings "$src/gpio-sim.ko" | sed -n 's/^vermagic=\([^ ]*\).*/\1/p')"
    [ "$vermagic" = "$KERNEL_RELEASE" ] \
        || { rm -rf "$tmp"; log "gpio-sim.ko has vermagic $vermagic, not $KERNEL_RELEASE"; return 1; }
    mkdir -p "$(dirname "$out")"
    cp "$src/gpio-sim.ko" "$out"
    rm -rf "$tmp"
    log "gpio-sim.ko built against $headers in $(elapsed "$t0")"
}

# --- Scenario reports ------------------------------------------------------------------------------
# The guests print each scenario as
#   @@ scenario ID TITLE      then what it ran and what came back, then   @@ end ID
# ("@@ $" lines are the commands run, "@@ #" the setup done before them, "@@ exit N" a command's
# status); the host states what it expects of each block and report_scenarios checks it.
#
# expect ID KIND TEXT: KIND is `line` (a whole line of the block, exactly), `has` (a line
# containing TEXT), `match` (a line matching the extended regex TEXT) or `exit` (the last
# status the block reports).
EXPECT_IDS=()
declare -A EXPECT
expect() {
    local id="$1"
    [ -n "${EXPECT[$id]+set}" ] || EXPECT_IDS+=("$id")
    EXPECT[$id]+="$2"$'\t'"$3"$'\n'
}

# report_scenarios LOG...: prints, for each expected scenario, what the guest printed and what was
# expected, PASS or FAIL; sets SCENARIOS_PASSED and SCENARIOS_FAILED.
report_scenarios() {
    local logs=("$@") id out ok kind text r what got
    block() { awk -v id="$1" '$0 == "@@ end " id { on = 0 } on { print } $1 == "@@" && $2 == "scenario" && $3 == id { on = 1 }' "${logs[@]}"; }
    title() { awk -v id="$1" '$1 == "@@" && $2 == "scenario" && $3 == id { $1 = $2 = $3 = ""; sub(/^ +/, ""); print; exit }' "${logs[@]}"; }
    SCENARIOS_PASSED=0
    SCENARIOS_FAILED=0
    for id in "${EXPECT_IDS[@]}"; do
        out="$(block "$id")"
        echo
        echo "--- [$id] $(title "$id")"
        if [ -z "$out" ]; then
            echo "    the guest printed nothing for this scenario"
        else
            echo "    guest printed:"
            sed -e 's/^@@ \$ /$ /' -e 's/^@@ # /# /' -e 's/^@@ exit /exit /' -e 's/^/      | /' <<<"$out"
        fi
        echo "    expected:"
        ok=1
        while IFS=$'\t' read -r kind text; do
            [ -n "$kind" ] || continue
            case "$kind" in
                line) grep -Fxq -- "$text" <<<"$out" && r=ok || r=MISSING; what="the line \"$text\"" ;;
                has) grep -Fq -- "$text" <<<"$out" && r=ok || r=MISSING; what="a line with \"$text\"" ;;
                match) grep -Eq -- "$text" <<<"$out" && r=ok || r=MISSING; what="a line matching /$text/" ;;
                exit)
                    got="$(sed -n 's/^@@ exit //p' <<<"$out" | tail -n1)"
                    [ "$got" = "$text" ] && r=ok || r="MISSING (exit ${got:-none})"
                    what="exit status $text" ;;
            esac
            printf '      %-4s %s\n' "$([ "$r" = ok ] && echo ok || echo '!!')" "$what${r#ok}"
            [ "$r" = ok ] || ok=0
        done <<<"${EXPECT[$id]}"
        if [ $ok = 1 ]; then
            echo "    PASS"
            SCENARIOS_PASSED=$((SCENARIOS_PASSED + 1))
        else
            echo "    FAIL"
            SCENARIOS_FAILED=$((SCENARIOS_FAILED + 1))
        fi
    done
}
