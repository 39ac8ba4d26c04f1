#!/usr/bin/env bash
# The image as a user meets it (`make test-image`): out/image/kelvin-VERSION-rpi-arm64.img.xz,
# unpacked onto a disk 1 GiB larger (a card bigger than the image), with the device's files
# dropped into the boot partition's kelvin/ folder as a user would from a laptop (mcopy here),
# booted under qemu-system-aarch64 -M virt -cpu cortex-a53 (TCG) with the kernel and initrd that
# config.txt names on that boot partition and cmdline.txt's command line (the console moved to
# the virt board's UART). Its network is QEMU's user networking with restrict=on and a forward of
# 10.0.2.100's two ports to kelvin-cloud on this machine, which serves with --public-host
# 10.0.2.100, as on a bench LAN.
#
# Nobody logs in: the test watches kelvin-cloud's admin API (GET /admin/messages) until the
# device has provisioned and delivered, cuts the power (kills QEMU), boots the same disk again
# and watches for deliveries with the saved assignment (no DPS registration after the cut). Then
# it reads the disk: the device's files gone from the FAT partition, the root partition grown to
# the end of the disk; and the console: what kelvin-firstboot.service said, and the login prompt
# with the host name it gave. Needs root (make image does).
#   KELVIN_IMAGE_TIMEOUT=N   seconds each boot may take to deliver (default 1200)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/scripts/lib/cloud.sh"

T_START="$(now)"
WORK="$REPO_ROOT/out/image-test"
TIMEOUT="${KELVIN_IMAGE_TIMEOUT:-1200}"
CLOUD_ADDRESS=10.0.2.100
REGISTRATION_ID=kelvin-image-test
unset https_proxy HTTPS_PROXY
ensure_image_tools
ensure_packages socat curl python3 openssl
compressed="$(ls -t "$IMAGE_OUT"/kelvin-*-rpi-arm64.img.xz 2>/dev/null | head -n 1)"
[ -n "$compressed" ] || die "no out/image/kelvin-*-rpi-arm64.img.xz; run make image first"
rm -rf "$WORK"
mkdir -p "$WORK"

# --- The card: the image, 1 GiB of room after it ---------------------------------------------------
disk="$WORK/card.img"
xz -dc "$compressed" >"$disk"
image_bytes="$(file_size "$disk")"
truncate -s "+1G" "$disk"
boot_offset="$(partition_offset "$disk" 1)"
fat="$disk@@$boot_offset"
mcopy -n -i "$fat" ::config.txt ::cmdline.txt "$WORK/"
kernel="$(sed -n 's/^kernel=//p' "$WORK/config.txt" | tr -d '\r' | tail -n 1)"
initrd="$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' "$WORK/config.txt" | tr -d '\r' | tail -n 1)"
[ -n "$kernel" ] && [ -n "$initrd" ] || die "config.txt on the boot partition names no kernel= or initramfs"
mcopy -n -i "$fat" "::$kernel" "$WORK/vmlinuz"
mcopy -n -i "$fat" "::$initrd" "$WORK/initrd.img"
# cmdline.txt's console= settings are the Pi's UARTs; virt has one PL011, ttyAMA0.
cmdline="$(tr -d '\r\n' <"$WORK/cmdline.txt" | sed -E 's/(^| )console=[^ ]*//g') console=ttyAMA0"
log "card: ${compressed#"$REPO_ROOT"/} ($image_bytes bytes unpacked) + 1 GiB; kernel $kernel, initrd $initrd"
log "command line: $cmdline"

# --- The emulator ----------------------------------------------------------------------------------
(cd "$REPO_ROOT" && swift build --product kelvin-cloud) >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "kelvin-cloud did not build"; }
cloud_binary="$(cd "$REPO_ROOT" && swift build --show-bin-path)/kelvin-cloud"
cloud_dir="$WORK/cloud"
"$cloud_binary" init --dir "$cloud_dir" --registration-id "$REGISTRATION_ID" --ip "$CLOUD_ADDRESS" >/dev/null
trap 'cloud_stop; [ -z "${qemu_pid:-}" ] || kill -KILL "$qemu_pid" 2>/dev/null || true' EXIT
cloud_start "$cloud_binary" "$cloud_dir" "$WORK/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 \
    --public-host "$CLOUD_ADDRESS" --max-seconds 7200 || die "kelvin-cloud did not start"
dps_port="${cloud_dps##*:}"
hub_port="$(sed -E 's/.*hub on [^,]*:([0-9]+).*/\1/' <<<"$cloud_banner")"
log "kelvin-cloud: $cloud_banner"

# --- The device's files, dropped on the boot partition ---------------------------------------------
cat >"$WORK/kelvin.conf" <<CONF
# The image test's device: kelvin-cloud on the test machine, reached as on a bench LAN.
[dps]
endpoint = "$CLOUD_ADDRESS:$dps_port"
id_scope = "0ne00000001"

[tls]
ca_file = "/etc/kelvin/server-ca.pem"

[telemetry]
interval = 2s

[spool]
sync_every = 1
CONF
mcopy -i "$fat" "$WORK/kelvin.conf" ::kelvin/kelvin.conf
mcopy -i "$fat" "$cloud_dir/device-cert.pem" ::kelvin/device-cert.pem
mcopy -i "$fat" "$cloud_dir/device-key.pem" ::kelvin/device-key.pem
mcopy -i "$fat" "$cloud_dir/server-ca.pem" ::kelvin/server-ca.pem

# --- Boots -----------------------------------------------------------------------------------------
# delivered: how many messages from the device kelvin-cloud has accepted.
delivered() {
    curl -sf "${cloud_admin}messages" | python3 -c '
import json, sys
print(sum(1 for m in json.load(sys.stdin)["messages"] if m["deviceId"] == sys.argv[1]))' "$REGISTRATION_ID" 2>/dev/null || echo 0
}
# boot N WANT: boots the card until kelvin-cloud holds WANT messages from the device, then cuts
# the power. Sets boot_seconds and boot_end ("delivered", "hung" past the timeout, "ended by itself").
boot() {
    local n="$1" want="$2" started
    started="$(now)"
    nice -n 5 qemu-system-aarch64 -M virt -cpu cortex-a53 -smp 2 -m 1024 -nodefaults -display none -no-reboot \
        -serial "file:$WORK/console-$n.log" \
        -drive "file=$disk,format=raw,if=virtio,cache=unsafe" \
        -netdev "user,id=net0,restrict=on,guestfwd=tcp:$CLOUD_ADDRESS:$dps_port-cmd:socat - TCP:127.0.0.1:$dps_port,guestfwd=tcp:$CLOUD_ADDRESS:$hub_port-cmd:socat - TCP:127.0.0.1:$hub_port" \
        -device virtio-net-pci,netdev=net0 \
        -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" -append "$cmdline" >"$WORK/qemu-$n.log" 2>&1 &
    qemu_pid=$!
    boot_end=hung
    while kill -0 "$qemu_pid" 2>/dev/null; do
        if [ "$(delivered)" -ge "$want" ]; then
            boot_end=delivered
            break
        fi
        if awk -v a="$started" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then break; fi
        sleep 2
    done
    kill -0 "$qemu_pid" 2>/dev/null || boot_end="ended by itself"
    kill -KILL "$qemu_pid" 2>/dev/null || true
    wait "$qemu_pid" 2>/dev/null || true
    qemu_pid=
    boot_seconds="$(elapsed "$started")"
    tr -d '\r' <"$WORK/console-$n.log" >"$WORK/console-$n.txt"
    log "boot $n: $boot_end after $boot_seconds ($(delivered) messages from $REGISTRATION_ID)"
}

boot 1 3
boot1_end="$boot_end" boot1_time="$boot_seconds"
at_cut="$(delivered)"
left_after_boot1="$(mdir -b -i "$fat" ::kelvin | sed 's|.*/||' | sort | tr '\n' ' ')"
cloud_lines_at_cut="$(wc -l <"$WORK/cloud.log")"
# A file kelvin does not use, dropped on the card between the boots: one line, left in place.
echo "notes" >"$WORK/notes.doc"
mcopy -i "$fat" "$WORK/notes.doc" ::kelvin/notes.doc
boot2_end="not booted" boot2_time=0
if [ "$boot1_end" = delivered ]; then
    boot 2 $((at_cut + 3))
    boot2_end="$boot_end" boot2_time="$boot_seconds"
fi
touch "$WORK/console-2.txt"

# --- What the card, the console and the emulator show ----------------------------------------------
{
    echo "@@ scenario 1 first boot: the device's files taken from the boot partition, the card used whole"
    grep -o 'kelvin-firstboot: .*' "$WORK/console-1.txt" || true
    echo "left in the boot partition's kelvin/: $left_after_boot1"
    sfdisk -d "$disk" | awk -v p="${disk}2" -v total="$(( $(file_size "$disk") / 512 ))" '
        $1 == p { sub(/,/, "", $4); sub(/,/, "", $6); print "root partition ends " (($4 + $6 == total) ? "at the end of the disk" : "at sector " $4 + $6 " of " total) }'
    grep -o '[^ ]* login:' "$WORK/console-1.txt" | head -n 1
    echo "@@ end 1"
    echo "@@ scenario 2 first boot: provisioned through DPS and delivered, nobody logged in"
    echo "boot 1: $boot1_end"
    echo "messages from $REGISTRATION_ID before the power cut: $at_cut"
    echo "DPS registrations before the cut: $(head -n "$cloud_lines_at_cut" "$WORK/cloud.log" | grep -c ' registering through ' || true)"
    echo "@@ end 2"
    echo "@@ scenario 3 after a power cut: the second boot delivers with the saved assignment"
    echo "boot 2: $boot2_end"
    echo "messages from $REGISTRATION_ID after the cut: $(( $(delivered) - at_cut ))"
    echo "DPS registrations after the cut: $(tail -n +"$((cloud_lines_at_cut + 1))" "$WORK/cloud.log" | grep -c ' registering through ' || true)"
    grep -o 'kelvin-firstboot: .*' "$WORK/console-2.txt" || true
    echo "@@ end 3"
} >"$WORK/report.txt"

expect 1 has "moved kelvin/kelvin.conf from the boot partition to /etc/kelvin/kelvin.conf"
expect 1 has "moved kelvin/device-cert.pem from the boot partition to /etc/kelvin/device-cert.pem"
expect 1 has "moved kelvin/device-key.pem from the boot partition to /etc/kelvin/device-key.pem"
expect 1 has "host name set to $REGISTRATION_ID (registration ID $REGISTRATION_ID)"
expect 1 match "root file system grown to [0-9.,]+G"
expect 1 line "left in the boot partition's kelvin/: README.txt "
expect 1 line "root partition ends at the end of the disk"
expect 1 line "$REGISTRATION_ID login:"
expect 2 line "boot 1: delivered"
expect 2 match "^messages from $REGISTRATION_ID before the power cut: [1-9][0-9]*$"
expect 2 line "DPS registrations before the cut: 1"
expect 3 line "boot 2: delivered"
expect 3 match "^messages from $REGISTRATION_ID after the cut: [1-9][0-9]*$"
expect 3 line "DPS registrations after the cut: 0"
expect 3 has "kelvin/notes.doc on the boot partition is not a file kelvin uses"
expect 3 has "kelvin has its configuration, certificate and key (registration ID $REGISTRATION_ID)"

echo
echo "=== image tests: ${compressed#"$REPO_ROOT"/} under qemu-system-aarch64 -M virt -cpu cortex-a53 (TCG)"
report_scenarios "$WORK/report.txt"
echo
echo "test-image: $SCENARIOS_PASSED scenario(s) passed, $SCENARIOS_FAILED failed; boot 1 $boot1_time, boot 2 $boot2_time, wall time $(elapsed "$T_START")"
echo "test-image: logs in ${WORK#"$REPO_ROOT"/}/ (console-N.txt, cloud.log, report.txt)"
[ "$SCENARIOS_FAILED" -eq 0 ]
