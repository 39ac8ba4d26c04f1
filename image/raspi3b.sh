#!/usr/bin/env bash
# The image on QEMU's model of a Raspberry Pi 3 (`make test-image-raspi3b`): the card of
# out/image/kelvin-VERSION-rpi-arm64.img.xz, grown to a power of two as QEMU's SD card must be,
# booted with the kernel and initrd config.txt names and the Pi 3 B device tree from its boot
# partition, with cmdline.txt's command line as the firmware would pass it. QEMU does not run
# the GPU firmware (start.elf) that reads config.txt on a real Pi, so -kernel, -initrd and -dtb
# do its part. Nothing is dropped on the card: the boot must reach multi-user.target, and
# kelvin-firstboot.service must name each missing file in one line.
#   KELVIN_IMAGE_TIMEOUT=N   seconds the boot may take (default 1200)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_START="$(now)"
WORK="$REPO_ROOT/out/image-raspi3b"
TIMEOUT="${KELVIN_IMAGE_TIMEOUT:-1200}"
ensure_image_tools
compressed="$(ls -t "$IMAGE_OUT"/kelvin-*-rpi-arm64.img.xz 2>/dev/null | head -n 1)"
[ -n "$compressed" ] || die "no out/image/kelvin-*-rpi-arm64.img.xz; run make image first"
rm -rf "$WORK"
mkdir -p "$WORK"
disk="$WORK/card.img"
xz -dc "$compressed" >"$disk"
size=$(file_size "$disk") card=1073741824
while [ "$card" -lt "$size" ]; do card=$((card * 2)); done
truncate -s "$card" "$disk"
fat="$disk@@$(partition_offset "$disk" 1)"
mcopy -n -i "$fat" ::config.txt ::cmdline.txt ::bcm2837-rpi-3-b.dtb "$WORK/"
kernel="$(sed -n 's/^kernel=//p' "$WORK/config.txt" | tr -d '\r' | tail -n 1)"
initrd="$(sed -n 's/^initramfs \([^ ]*\).*/\1/p' "$WORK/config.txt" | tr -d '\r' | tail -n 1)"
mcopy -n -i "$fat" "::$kernel" "$WORK/vmlinuz"
mcopy -n -i "$fat" "::$initrd" "$WORK/initrd.img"
cmdline="$(tr -d '\r\n' <"$WORK/cmdline.txt")"
log "raspi3b: $card-byte card, kernel $kernel, initrd $initrd, bcm2837-rpi-3-b.dtb; command line: $cmdline"

# The first serial port is the PL011 (ttyAMA0), the second the mini UART (ttyS1, the console
# raspi-firmware's cmdline.txt names).
started="$(now)"
nice -n 5 qemu-system-aarch64 -M raspi3b -m 1G -display none -no-reboot \
    -serial "file:$WORK/ttyAMA0.log" -serial "file:$WORK/ttyS1.log" \
    -drive "file=$disk,format=raw,if=sd,cache=unsafe" \
    -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img" -dtb "$WORK/bcm2837-rpi-3-b.dtb" \
    -append "$cmdline" >"$WORK/qemu.log" 2>&1 &
qemu_pid=$!
trap 'kill -KILL "$qemu_pid" 2>/dev/null || true' EXIT
result="hung: no multi-user.target within ${TIMEOUT} s"
while kill -0 "$qemu_pid" 2>/dev/null; do
    if cat "$WORK/ttyAMA0.log" "$WORK/ttyS1.log" 2>/dev/null | tr -d '\r' | grep -q 'Reached target.*Multi-User System'; then
        result="reached multi-user.target"
        break
    fi
    awk -v a="$started" -v b="$(now)" -v t="$TIMEOUT" 'BEGIN { exit !(b - a > t) }' && break
    sleep 2
done
kill -0 "$qemu_pid" 2>/dev/null || result="QEMU ended: $(tail -n 3 "$WORK/qemu.log" | tr '\n' ' ')"
# A moment for the login prompt and firstboot's lines to reach the console.
sleep 20
kill -KILL "$qemu_pid" 2>/dev/null || true
wait "$qemu_pid" 2>/dev/null || true
cat "$WORK/ttyAMA0.log" "$WORK/ttyS1.log" | tr -d '\r' >"$WORK/console.txt"
echo "=== raspi3b: $result after $(elapsed "$started")"
grep -o 'kelvin-firstboot: .*' "$WORK/console.txt" | sed 's/^/    /' || true
grep -o '[^ ]* login:' "$WORK/console.txt" | head -n 1 | sed 's/^/    /' || true
echo "raspi3b: console in ${WORK#"$REPO_ROOT"/}/console.txt; wall time $(elapsed "$T_START")"
[ "$result" = "reached multi-user.target" ]
