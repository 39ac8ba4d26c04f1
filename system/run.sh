#!/usr/bin/env bash
# The service as users run it (`make test-system`): the amd64 .deb, made by cross/package-deb.sh
# from the Embedded build, installed with apt inside a booted Debian 12 with systemd and udev,
# under qemu-system-x86_64, with the simulated hardware of kernel/ (an i2c-stub BME280 and a
# gpio-sim status LED line) and `kelvin-cloud` on this machine as DPS and the hub. The guest's
# only network is QEMU's user networking with restrict=on, and a forward of kelvin-cloud.test's
# two ports (10.0.2.100 in the guest) to the emulator on this machine's loopback.
#
# The guest runs system/guest/scenarios.sh (a unit started at boot) and reports on its second
# serial port; this script kills QEMU where the scenarios ask for a power cut, boots the same
# disk again, then checks what the guest printed and what the emulator received, printing each
# scenario as expected / seen / PASS or FAIL.
#
# The guest root (mmdebstrap, Debian's kernel modules, the test unit) is an ext4 image cached in
# .build-system/ under a key of the package versions apt offers, the kernel and the recipe; a
# warm run copies it. Needs root (the root's file owners go into the image as they are), or
# passwordless sudo, through which it then runs.
#   KELVIN_SYSTEM_ACCEL=kvm|tcg   force QEMU's accelerator (default: kvm when /dev/kvm works)
#   KELVIN_SYSTEM_TIMEOUT=N       seconds each boot may run before it counts as hung (default 600)
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"
source "$REPO_ROOT/scripts/lib/cloud.sh"

T_START="$(now)"
GUEST_DIR="$REPO_ROOT/system/guest"
WORK="$REPO_ROOT/out/system"
CACHE="${KELVIN_SYSTEM_CACHE:-$REPO_ROOT/.build-system}"
TIMEOUT="${KELVIN_SYSTEM_TIMEOUT:-600}"
SUITE=bookworm
GUEST_PACKAGES=(systemd systemd-sysv udev dbus kmod iproute2 i2c-tools libssl3 libgpiod2 libi2c0)
CLOUD_NAME=kelvin-cloud.test
CLOUD_ADDRESS=10.0.2.100
REGISTRATION_ID=kelvin-system-test

if [ "$(id -u)" -ne 0 ]; then
    # Root is needed for the guest's files to keep their owners in its disk image (and for chroot).
    # With passwordless sudo the whole run goes through it, and what it built in the checkout is
    # handed back to the caller, so later builds as the caller still work.
    { command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; } \
        || die "make test-system needs root or passwordless sudo: the guest's files keep their owners in its disk image"
    log "not root: running the system test through sudo"
    status=0
    sudo -n -E env "PATH=$PATH" "$0" "$@" || status=$?
    for built in .build .build-embedded .build-kernel .build-system out; do
        [ ! -e "$REPO_ROOT/$built" ] || sudo -n chown -R "$(id -u):$(id -g)" "$REPO_ROOT/$built" || true
    done
    exit "$status"
fi
unset https_proxy HTTPS_PROXY
mkdir -p "$WORK" "$CACHE" "$KERNEL_CACHE"
ensure_packages qemu-system-x86 busybox-static mmdebstrap e2fsprogs socat curl openssl python3 binutils

resolve_kernel || die "apt knows no linux-image-amd64 kernel to download"
fetch_kernel || die "$KERNEL_PACKAGE=$KERNEL_VERSION could not be downloaded with apt-get download"
build_gpio_sim || die "gpio-sim could not be built for $KERNEL_RELEASE (see above)"

# KVM where it works: /dev/kvm can be there and still run no guest (nested virtualisation), so
# the probe boots the kernel with no root, which panics and ends QEMU within seconds under KVM.
accel="${KELVIN_SYSTEM_ACCEL:-}"
if [ -z "$accel" ]; then
    accel=tcg
    if [ -w /dev/kvm ] && timeout 15 qemu-system-x86_64 -accel kvm -cpu host -m 256 -nodefaults -display none \
        -no-reboot -serial stdio -kernel "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_RELEASE" \
        -append "console=ttyS0 panic=-1" 2>/dev/null | grep -q 'Kernel panic'; then
        accel=kvm
    fi
fi
cpu=()
[ "$accel" = kvm ] && cpu=(-cpu host)
log "QEMU accelerator: $accel"

# --- kelvin-cloud, and the .deb twice: as released and as a newer version to upgrade to ---------
t0="$(now)"
(cd "$REPO_ROOT" && swift build --product kelvin-cloud) >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "kelvin-cloud did not build"; }
cloud_binary="$(cd "$REPO_ROOT" && swift build --show-bin-path)/kelvin-cloud"
"$CROSS_DIR/build-embedded-host.sh" >>"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "the Embedded host build of kelvin failed"; }
rm -f "$REPO_ROOT"/out/deb/kelvin_*_amd64.deb
"$CROSS_DIR/package-deb.sh" host >>"$WORK/build.log" 2>&1 || { cat "$WORK/build.log" >&2; die "packaging failed"; }
deb="$(ls "$REPO_ROOT"/out/deb/kelvin_*_amd64.deb)"
version="$(dpkg-deb -f "$deb" Version)"
newer_version="$version+1"
KELVIN_DEB_VERSION="$newer_version" "$CROSS_DIR/package-deb.sh" host >>"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "packaging the newer version failed"; }
log "kelvin-cloud, kelvin and kelvin_${version}_amd64.deb (and $newer_version) built in $(elapsed "$t0")"

# --- The guest's root disk, cached -----------------------------------------------------------------
# build_base IMAGE: a Debian root with the packages, the kernel's modules, a static address,
# kelvin-cloud.test in /etc/hosts and the test unit enabled, as an ext4 image made without a
# loop device.
build_base() {
    local image="$1" root="$CACHE/root"
    rm -rf "$root"
    mmdebstrap --variant=apt --include="$(IFS=,; echo "${GUEST_PACKAGES[*]}")" "$SUITE" "$root" \
        "deb http://deb.debian.org/debian $SUITE main" \
        "deb http://deb.debian.org/debian $SUITE-updates main" \
        "deb http://deb.debian.org/debian-security $SUITE-security main" >&2 || return 1
    local modules="$root/lib/modules/$KERNEL_RELEASE"
    mkdir -p "$modules/extra"
    cp -R "$KERNEL_ROOT/modules/." "$modules/"
    cp "$KERNEL_ROOT/extra/gpio-sim.ko" "$modules/extra/"
    chroot "$root" depmod "$KERNEL_RELEASE"
    echo kelvin-guest >"$root/etc/hostname"
    printf '127.0.0.1 localhost\n127.0.1.1 kelvin-guest\n%s %s\n' "$CLOUD_ADDRESS" "$CLOUD_NAME" >"$root/etc/hosts"
    echo '/dev/vda / ext4 rw 0 1' >"$root/etc/fstab"
    cat >"$root/etc/systemd/network/10-guest.network" <<'NETWORK'
[Match]
Name=en* eth*

[Network]
Address=10.0.2.15/24
Gateway=10.0.2.2
NETWORK
    cp "$GUEST_DIR"/*.service "$root/etc/systemd/system/"
    chroot "$root" systemctl enable systemd-networkd.service kelvin-test-hardware.service kelvin-system-test.service >&2
    # Nothing waits for a login on the consoles; the first serial port is the kernel's log.
    chroot "$root" systemctl mask serial-getty@ttyS0.service serial-getty@ttyS1.service getty@tty1.service >&2
    rm -f "$image.new"
    mkfs.ext4 -q -F -L kelvin-root -d "$root" "$image.new" 2G || return 1
    mv "$image.new" "$image"
    rm -rf "$root"
}
candidates="$(apt-cache policy "${GUEST_PACKAGES[@]}" 2>/dev/null | awk '/^[^ ].*:$/ { n = $1 } $1 == "Candidate:" { print n $2 }')"
key="$( { echo "$candidates"; echo "$KERNEL_PACKAGE $KERNEL_VERSION"; declare -f build_base; cat "$GUEST_DIR"/*.service; } \
    | sha256sum | cut -c1-16)"
base="$CACHE/root-$key.img"
if [ ! -f "$base" ]; then
    t0="$(now)"
    rm -f "$CACHE"/root-*.img
    log "building the guest root ($SUITE: ${GUEST_PACKAGES[*]}) with mmdebstrap"
    build_base "$base" || die "the guest root could not be built"
    log "guest root built in $(elapsed "$t0")"
fi
cp --sparse=always "$base" "$WORK/disk.img"

# --- The initramfs that mounts it ------------------------------------------------------------------
stage="$WORK/initramfs"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/lib/modules/$KERNEL_RELEASE"
cp "$(command -v busybox)" "$stage/bin/busybox"
cp -R "$KERNEL_ROOT/modules/." "$stage/lib/modules/$KERNEL_RELEASE/"
busybox depmod -b "$stage" "$KERNEL_RELEASE"
cp "$GUEST_DIR/init" "$stage/init"
(cd "$stage" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$WORK/initramfs.gz"

# --- The emulator ----------------------------------------------------------------------------------
cloud_dir="$WORK/cloud"
rm -rf "$cloud_dir"
"$cloud_binary" init --dir "$cloud_dir" --registration-id "$REGISTRATION_ID" --server-name "$CLOUD_NAME" >/dev/null
trap cloud_stop EXIT
cloud_start "$cloud_binary" "$cloud_dir" "$WORK/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 \
    --public-host "$CLOUD_NAME" --max-seconds 3600 || die "kelvin-cloud did not start"
dps_port="${cloud_dps##*:}"
hub_port="$(sed -E 's/.*hub on [^,]*:([0-9]+).*/\1/' <<<"$cloud_banner")"
log "kelvin-cloud: $cloud_banner"

# --- What the guest is given on its second disk ----------------------------------------------------
payload="$WORK/payload"
rm -rf "$payload"
mkdir -p "$payload"
cp "$GUEST_DIR/scenarios.sh" "$REPO_ROOT/kernel/guest/fixtures.sh" "$payload/"
cp "$deb" "$payload/kelvin.deb"
cp "$REPO_ROOT/out/deb/kelvin_${newer_version}_amd64.deb" "$payload/kelvin-newer.deb"
cp "$cloud_dir/server-ca.pem" "$cloud_dir/device-cert.pem" "$cloud_dir/device-key.pem" "$payload/"
cat >"$payload/kelvin.conf" <<CONF
# The system test's settings: kelvin-cloud on this machine, the i2c-stub BME280, the gpio-sim LED.
[dps]
endpoint = "$CLOUD_NAME:$dps_port"
id_scope = "0ne00000001"

[tls]
ca_file = "/etc/kelvin/server-ca.pem"

[telemetry]
interval = 2s

[network]
# Each bound under half of the test's shorter WatchdogSec=, as kelvin requires.
connect_timeout = 5s
io_timeout = 5s

[spool]
# The power cut may lose nothing that was queued.
sync_every = 1

[sensor]
type = "bme280@0:0x76"

[status]
led_line = "GPIO27"

[log]
level = "debug"
CONF
printf 'VERSION=%s\nNEWER_VERSION=%s\nCLOUD_ADDRESS=%s\n' "$version" "$newer_version" "$CLOUD_ADDRESS" >"$payload/test.env"
rm -f "$WORK/payload.img"
mkfs.ext4 -q -F -L payload -d "$payload" "$WORK/payload.img" 64M

# --- Boots -----------------------------------------------------------------------------------------
# boot N: the guest from the same disk; its kernel log goes to console-N.log, the scenarios'
# report to report-N.log. Returns when QEMU ends or, when the guest prints "@@ power-cut", after
# killing QEMU outright. Sets boot_seconds and boot_end ("powered off", "power cut", "hung" past
# the timeout, or "ended by itself" without finishing).
boot() {
    local n="$1" started qemu_pid
    rm -f "$WORK/console-$n.log" "$WORK/report-$n.log"
    touch "$WORK/report-$n.log"
    started="$(now)"
    qemu-system-x86_64 -accel "$accel" "${cpu[@]}" -m 2048 -smp 1 -nodefaults -display none -no-reboot \
        -serial "file:$WORK/console-$n.log" -serial "file:$WORK/report-$n.log" \
        -drive "file=$WORK/disk.img,format=raw,if=virtio,cache=unsafe" \
        -drive "file=$WORK/payload.img,format=raw,if=virtio,readonly=on" \
        -netdev "user,id=net0,restrict=on,guestfwd=tcp:$CLOUD_ADDRESS:$dps_port-cmd:socat - TCP:127.0.0.1:$dps_port,guestfwd=tcp:$CLOUD_ADDRESS:$hub_port-cmd:socat - TCP:127.0.0.1:$hub_port" \
        -device virtio-net-pci,netdev=net0 \
        -kernel "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_RELEASE" -initrd "$WORK/initramfs.gz" \
        -append "console=ttyS0 loglevel=3 panic=-1" >"$WORK/qemu-$n.log" 2>&1 &
    qemu_pid=$!
    boot_end="hung"
    while kill -0 "$qemu_pid" 2>/dev/null; do
        if grep -q '^@@ power-cut' "$WORK/report-$n.log"; then
            kill -KILL "$qemu_pid"
            boot_end="power cut"
            cloud_lines_at_cut="$(wc -l <"$WORK/cloud.log")"
            break
        fi
        if awk -v a="$started" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
            kill -KILL "$qemu_pid"
            break
        fi
        sleep 0.5
    done
    wait "$qemu_pid" 2>/dev/null || true
    if [ "$boot_end" = hung ] && ! awk -v a="$started" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then
        boot_end="ended by itself"
        grep -q '^@@ guest done' "$WORK/report-$n.log" && boot_end="powered off"
    fi
    boot_seconds="$(elapsed "$started")"
    tr -d '\r' <"$WORK/report-$n.log" >"$WORK/report-$n.txt"
    log "boot $n ($accel): $boot_end after $boot_seconds"
}

cloud_lines_at_cut=0
boot 1
boot1_end="$boot_end" boot1_time="$boot_seconds"
boot2_end="not booted" boot2_time=0
if [ "$boot1_end" = "power cut" ]; then
    boot 2
    boot2_end="$boot_end" boot2_time="$boot_seconds"
fi
touch "$WORK/report-2.txt"

# --- What the emulator saw, as scenarios of its own ------------------------------------------------
curl -sf "${cloud_admin}messages" >"$WORK/messages.json" || echo '{"messages": []}' >"$WORK/messages.json"
{
    echo "@@ scenario 1h the emulator received the I²C readings, each message once, none missing"
    python3 - "$WORK/messages.json" "$REGISTRATION_ID" <<'EOF'
import json, sys
data = json.load(open(sys.argv[1]))
messages = [m for m in data["messages"] if m["deviceId"] == sys.argv[2]]
print(f"messages from {sys.argv[2]}: {len(messages)}, duplicates: {data.get('duplicates', 0)}")
bodies = sorted({json.loads(m["body"]).get("temperature") for m in messages if m.get("body")}, key=str)
print("temperatures: " + ", ".join(str(b) for b in bodies))
ids = [m["messageId"] or "" for m in messages]
print(f"message IDs received twice: {len(ids) - len(set(ids))}")
EOF
    # Every reading the guest's journal shows queued (through the reload, the crash, the
    # watchdog, the stop, the power cut and the upgrade), found by its message ID.
    queued="$(sed -n 's/^queued: //p' "$WORK/report-1.txt" "$WORK/report-2.txt" | sort -u)"
    echo "queued in the guest: $(wc -w <<<"$queued")"
    lost=0
    for id in $queued; do grep -q "\"$id\"" "$WORK/messages.json" || lost=$((lost + 1)); done
    echo "queued but never received: $lost"
    echo "@@ end 1h"
    echo "@@ scenario 6h after the power cut: what the spool held arrived, and no DPS registration"
    spooled="$(sed -n 's/^spooled: //p' "$WORK/report-1.txt")"
    echo "spooled before the cut: $(wc -w <<<"$spooled")"
    missing=0
    for id in $spooled; do
        grep -q "\"$id\"" "$WORK/messages.json" || { echo "not received: $id"; missing=$((missing + 1)); }
    done
    echo "spooled readings not received: $missing"
    echo "DPS registrations after the cut: $(tail -n +"$((cloud_lines_at_cut + 1))" "$WORK/cloud.log" | grep -c ' registering through ' || true)"
    echo "@@ end 6h"
} >"$WORK/host.txt"

# --- Expectations ----------------------------------------------------------------------------------
expect 0 exit 0
expect 0 line "i2c 660 /dev/i2c-0"
expect 0 line "gpio 660 /dev/gpiochip0"
expect 0 line "kelvin.service disabled"
expect 1 line "active running"
expect 1 line "ready: Type=notify, kelvin sent READY=1: yes"
expect 1 line "main process user: kelvin"
expect 1 has "assigned to hub $CLOUD_NAME:$hub_port as device $REGISTRATION_ID"
expect 1 has "sent 24.79 °C to $CLOUD_NAME:$hub_port"
expect 1h match "^messages from $REGISTRATION_ID: [1-9][0-9]*, duplicates: 0$"
expect 1h line "temperatures: 24.79"
expect 1h line "message IDs received twice: 0"
expect 1h match "^queued in the guest: [1-9][0-9]*$"
expect 1h line "queued but never received: 0"
expect 2 match "^StatusText=sent [1-9][0-9]*, queued [0-9]+, hub $CLOUD_NAME:$hub_port$"
expect 2 line "warnings: 1"
expect 2 has "KELVIN_SYSTEM_TEST names no setting and is ignored"
expect 3 has "reload requested (SIGHUP)"
expect 3 has "reloaded; using the saved assignment: hub $CLOUD_NAME:$hub_port"
expect 3 line "MainPID unchanged"
expect 3 match "^readings in the 6 s after the reload: ([6-9]|1[0-9])$"
expect 4 has "Watchdog timeout"
expect 4 line "restarted by the watchdog: a new MainPID, active"
expect 4 line "after the restart: queued 0"
expect 5a has "code=killed, status=11/SEGV"
expect 5a line "restarted after SIGSEGV: a new MainPID, active"
expect 5a match "^restart delay at least RestartSec: yes"
expect 5b line "state: failed, exit status 78"
expect 5b line "error lines: 1"
expect 5b line "still stopped after RestartSec: yes"
expect 7 line "stop: exit status 0, result success"
expect 7 match "^stopped within TimeoutStopSec: yes"
expect 7 has "stopped by SIGTERM"
expect 8 match "Overall exposure level for kelvin.service: (0\.[0-9]|1\.[0-5]) "
expect 6 has "using the saved assignment: hub $CLOUD_NAME:$hub_port"
expect 6 line "after the power cut: queued 0"
expect 6h match "^spooled before the cut: [1-9][0-9]*$"
expect 6h line "spooled readings not received: 0"
expect 6h line "DPS registrations after the cut: 0"
expect 10 exit 0
expect 10 line "installed: $newer_version"
expect 10 line "restarts during the upgrade: 1"
expect 10 line "state kept: assignment"
expect 9 line "after remove: /etc/kelvin kept, /var/lib/kelvin kept, user kelvin kept"
expect 9 line "after purge: /etc/kelvin gone, /var/lib/kelvin gone, user kelvin gone"

# --- Report ----------------------------------------------------------------------------------------
echo
echo "=== system tests: kelvin $version (.deb, amd64) on Debian $SUITE, $KERNEL_PACKAGE, QEMU $accel"
grep -h -E '^@@ (guest up|setup|fixture|adapter|gpio-sim)' "$WORK/report-1.txt" | sed 's/^@@ /    guest: /' || true
report_scenarios "$WORK/report-1.txt" "$WORK/report-2.txt" "$WORK/host.txt"
failed=$SCENARIOS_FAILED
echo
for n in 1 2; do
    end_var="boot${n}_end"
    case "${!end_var}" in
        "power cut") [ "$n" = 1 ] && continue ;;
        "powered off") [ "$n" = 2 ] && continue ;;
    esac
    echo "test-system: boot $n ended: ${!end_var}; last lines of its kernel console and report:"
    tail -n 20 "$WORK/console-$n.log" 2>/dev/null | tr -d '\r' | sed 's/^/    console| /'
    tail -n 20 "$WORK/report-$n.txt" 2>/dev/null | sed 's/^/    report | /'
    failed=$((failed + 1))
done
echo "test-system: $SCENARIOS_PASSED scenario(s) passed, $failed failed; boot 1 $boot1_time, boot 2 $boot2_time ($accel), wall time $(elapsed "$T_START")"
echo "test-system: logs in ${WORK#"$REPO_ROOT"/}/ (report-N.txt, console-N.log, cloud.log)"
[ "$failed" -eq 0 ]
