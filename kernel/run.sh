#!/usr/bin/env bash
# Kernel in the loop (`make test-kernel`): the static x86_64 Embedded build of `kelvin` against
# the real Linux I²C and GPIO paths — i2c-dev, SMBus emulation, the errnos, kernel drivers owning
# addresses, hwmon and IIO, the GPIO character device — in Debian's own kernel under QEMU (TCG,
# no network), with no hardware:
#   - i2c-stub holds register images of sensor-facts.md's vectors at 0x48, 0x49, 0x76 and 0x77;
#   - the kernel's lm75 and bmp280 drivers are bound to two of them;
#   - gpio-sim, built here out of tree (Debian does not ship it), holds a status LED and an
#     alert line.
# One boot runs every scenario (kernel/guest/scenarios.sh) and powers off; this script then
# prints, per scenario, what the guest printed and what was expected, and exits non-zero on any
# failure. Downloads (by package name, apt-get download) and the gpio-sim build are cached in
# .build-kernel/ and reused.
#
#   KELVIN_KERNEL_GPIO=0     leave gpio-sim out (no headers or source download, no GPIO scenarios)
#   KELVIN_KERNEL_TIMEOUT=N  seconds the guest may run before it counts as hung (default 300)
# The suite is skipped, not failed, only when QEMU or the kernel package cannot be installed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_START="$(now)"
GUEST_DIR="$REPO_ROOT/kernel/guest"
WORK="$REPO_ROOT/out/kernel"
KELVIN_STATIC="$REPO_ROOT/out/embedded-host-static/$PRODUCT"
WITH_GPIO="${KELVIN_KERNEL_GPIO:-1}"
TIMEOUT="${KELVIN_KERNEL_TIMEOUT:-300}"

skip() {
    echo "test-kernel: SKIPPED: $*"
    echo "test-kernel: nothing was tested; wall time $(elapsed "$T_START")"
    exit 0
}

mkdir -p "$KERNEL_CACHE" "$WORK"

# --- QEMU and busybox -----------------------------------------------------------------------------
( ensure_packages qemu-system-x86 busybox-static ) \
    || skip "qemu-system-x86 or busybox-static could not be installed with apt-get"
ensure_packages openssl python3 binutils

# --- The kernel: Debian's current amd64 image ------------------------------------------------------
resolve_kernel || skip "apt knows no linux-image-amd64 kernel to download"
log "kernel: $KERNEL_PACKAGE $KERNEL_VERSION"
fetch_kernel || skip "$KERNEL_PACKAGE=$KERNEL_VERSION could not be downloaded with apt-get download"

gpio_note="gpio-sim left out (KELVIN_KERNEL_GPIO=0)"
if [ "$WITH_GPIO" != 0 ]; then
    build_gpio_sim || die "gpio-sim could not be built for $KERNEL_RELEASE (see above); KELVIN_KERNEL_GPIO=0 runs the I²C scenarios alone"
    gpio_note="gpio-sim.ko built out of tree for $KERNEL_RELEASE"
fi

# --- kelvin: the Embedded build, linked static so that a bare initramfs can run it ----------------
t0="$(now)"
KELVIN_LINK=static-pie "$CROSS_DIR/build-embedded-host.sh" >"$WORK/build.log" 2>&1 \
    || { cat "$WORK/build.log" >&2; die "the static Embedded build of kelvin failed"; }
log "kelvin (static Embedded x86_64) built in $(elapsed "$t0")"

# --- The initramfs -------------------------------------------------------------------------------
t0="$(now)"
stage="$WORK/initramfs"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/kernel-tests" "$stage/lib/modules/$KERNEL_RELEASE"
cp "$(command -v busybox)" "$stage/bin/busybox"
strip -o "$stage/bin/kelvin" "$KELVIN_STATIC"
cp -R "$KERNEL_ROOT/modules/." "$stage/lib/modules/$KERNEL_RELEASE/"
if [ "$WITH_GPIO" != 0 ]; then
    mkdir -p "$stage/lib/modules/$KERNEL_RELEASE/extra"
    cp "$KERNEL_ROOT/extra/gpio-sim.ko" "$stage/lib/modules/$KERNEL_RELEASE/extra/"
fi
busybox depmod -b "$stage" "$KERNEL_RELEASE"
cp "$GUEST_DIR/init" "$stage/init"
cp "$GUEST_DIR/fixtures.sh" "$GUEST_DIR/scenarios.sh" "$stage/kernel-tests/"
# For the GPIO scenarios' `kelvin run`: a device certificate and an assignment saved as if DPS
# had made it, so that the run goes straight to its loop (the hub on the guest's loopback is
# never there, so readings queue).
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=kernel-test-device -days 7 \
    -keyout "$stage/kernel-tests/device-key.pem" -out "$stage/kernel-tests/device-cert.pem" 2>/dev/null \
    || die "openssl could not make the test certificate"
thumbprint="$(openssl x509 -in "$stage/kernel-tests/device-cert.pem" -outform DER | sha256sum | cut -d' ' -f1)"
python3 - "$thumbprint" "$(date +%s)" >"$stage/kernel-tests/assignment" <<'EOF'
import sys, zlib
body = ("kelvin-assignment 1\nhub=127.0.0.1:8443\ndevice-id=kernel-test-device\nsubstatus=initialAssignment\n"
        f"assigned-at={sys.argv[2]}\ndps=127.0.0.1:8443\nid-scope=0ne00kernel\nregistration-id=kernel-test-device\n"
        f"certificate-sha256={sys.argv[1]}\n")
sys.stdout.write(body + "crc32=%08x\n" % zlib.crc32(body.encode()))
EOF
# No /dev/console node is needed (that would need root): /init takes the console from devtmpfs.
(cd "$stage" && find . | LC_ALL=C sort | busybox cpio -o -H newc 2>/dev/null) | gzip -1 >"$WORK/initramfs.gz"
log "initramfs: $(human "$(file_size "$WORK/initramfs.gz")") in $(elapsed "$t0")"

# --- One boot runs every scenario ------------------------------------------------------------------
console="$WORK/console.log"
rm -f "$console"
t_boot="$(now)"
log "booting $KERNEL_RELEASE under qemu-system-x86_64 (TCG, no network; at most ${TIMEOUT}s)"
set +e
timeout --kill-after=10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -m 512 -smp 1 -nic none \
    -display none -monitor none -serial "file:$console" -no-reboot \
    -kernel "$KERNEL_ROOT/boot/vmlinuz-$KERNEL_RELEASE" -initrd "$WORK/initramfs.gz" \
    -append "console=ttyS0 loglevel=3 panic=-1" >"$WORK/qemu.log" 2>&1
qemu_status=$?
set -e
boot_time="$(elapsed "$t_boot")"
tr -d '\r' <"$console" >"$console.txt" 2>/dev/null || : >"$console.txt"

# --- Expectations (expect and report_scenarios: kernel/lib.sh) ----------------------------------
# 1. Register images read by Kelvin's own drivers over the stub's SMBus. Expected values are the
# vectors' integer results (sensor-facts.md §1.9) and the chosen raw registers.
expect 1a line "BME280/BMP280 at 0x76 on /dev/i2c-0: 24.79 °C, 68.67 %RH, 1006.61 hPa"
expect 1a exit 0
expect 1b line "BME280/BMP280 at 0x77 on /dev/i2c-0: 25.08 °C, 1006.53 hPa"
expect 1b exit 0
expect 1c line "LM75 at 0x48 on /dev/i2c-0: -10.5 °C"
expect 1c exit 0
expect 1d line "TMP117 at 0x49 on /dev/i2c-0: 25.41 °C"
expect 1d exit 0
expect 1e line "  0x48  TMP102 or LM75-compatible (no ID register; try tmp102@0:0x48 or lm75@0:0x48)"
expect 1e line "  0x49  TMP117 (device ID 0x0117): --sensor tmp117@0:0x49"
expect 1e line "  0x76  BME280 (chip ID 0x60): --sensor bme280@0:0x76"
expect 1e line "  0x77  BMP280 (no humidity) (chip ID 0x58): --sensor bmp280@0:0x77"
expect 1e line "kelvin: 4 address(es) answered, 3 sensor(s) Kelvin can read"
expect 1e exit 0
# 2. Nothing at 0x4f: i2c-stub answers ENODEV (a Pi's controller EREMOTEIO); both are "no device".
expect 2 has "kelvin: error: no device answered at 0x4f on /dev/i2c-0: check the wiring"
expect 2 exit 69
# 3. Kernel drivers own addresses: EBUSY from I2C_SLAVE, the fix named; then the same readings
# through the drivers (lm75: 9-bit, -10.5 °C; bmp280: the same vector B integer results).
expect 3a has "a kernel driver owns 0x48 on /dev/i2c-0"
expect 3a has "the kernel's lm75 driver serves it: --sensor hwmon:lm75"
expect 3a exit 78
expect 3b line "hwmon lm75 temp1: -10.5 °C"
expect 3b exit 0
expect 3c has "a kernel driver owns 0x76 on /dev/i2c-0"
expect 3c has "the kernel's bme280 driver serves it: --sensor iio:bme280"
expect 3c exit 78
expect 3d line "IIO device bme280: 24.79 °C, 68.67 %RH, 1006.61 hPa"
expect 3d exit 0
expect 3e line "  0x48  UU: a kernel driver owns it; the kernel's lm75 driver serves it: --sensor hwmon:lm75"
expect 3e line "  0x76  UU: a kernel driver owns it; the kernel's bme280 driver serves it: --sensor iio:bme280"
expect 3e exit 0
# 4. GPIO through gpio-sim: while provisioning the LED line blinks slowly (500 ms lit, 500 ms
# dark); each alert edge, rising and falling, brings a reading within a second although the
# next scheduled one is an hour away.
if [ "$WITH_GPIO" != 0 ]; then
    expect 4a match "^led: [0-9]+ samples of .*/sim_gpio0/value, [1-9][0-9]* lit, [1-9][0-9]* dark, ([2-9]|[1-9][0-9]+) changes$"
    expect 4a match "^led: (4[0-9]{2}|5[0-9]{2}|600) ms per state between the first and the last change$"
    expect 4a has "kelvin: stopped by SIGTERM while provisioning"
    expect 4a exit 0
    expect 4b line "alert: 1 reading(s) queued before the edge; the next scheduled one is an hour away"
    expect 4b line "alert: line value 1 after the pull-up"
    expect 4b match "^alert: reading 2 queued [0-9]{1,3} ms after the pull-up$"
    expect 4b line "alert: line value 0 after the pull-down"
    expect 4b match "^alert: reading 3 queued [0-9]{1,3} ms after the pull-down$"
    expect 4b has "kelvin: stopped by SIGTERM"
    expect 4b exit 0
fi

# --- Report ----------------------------------------------------------------------------------------
echo
echo "=== kernel tests: $KERNEL_PACKAGE $KERNEL_VERSION, $gpio_note"
grep -E '^@@ (guest up|adapter|gpio-sim|setup|fixture|skip)' "$console.txt" | sed 's/^@@ /    guest: /' || true
report_scenarios "$console.txt"
passed=$SCENARIOS_PASSED
failed=$SCENARIOS_FAILED

echo
if [ "$qemu_status" -ne 0 ] || ! grep -q '^@@ guest done' "$console.txt"; then
    echo "test-kernel: the guest did not finish (qemu exit $qemu_status; 124 is the ${TIMEOUT}s timeout); last console lines:"
    tail -n 30 "$console.txt" | sed 's/^/    /'
    failed=$((failed + 1))
fi
echo "test-kernel: $passed scenario(s) passed, $failed failed; boot and scenarios $boot_time, wall time $(elapsed "$T_START")"
echo "test-kernel: console log in ${console#"$REPO_ROOT"/}.txt"
[ "$failed" -eq 0 ]
