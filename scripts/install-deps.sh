#!/usr/bin/env bash
# Installs the Debian packages Kelvin builds and tests with, only when missing (the installer
# itself, with its retries against a flaky mirror, is cross/lib.sh's `ensure_packages`).
#   scripts/install-deps.sh          host build, tests, demo, benchmark, kernel and system suites, desk page, .deb test
#   scripts/install-deps.sh arm64    also the aarch64 cross toolchain, arm64 libraries and qemu-user
#   scripts/install-deps.sh armhf    also the armv7 (hard-float) cross toolchain and qemu-user; the
#                                    armhf libraries are unpacked into .build-armv7/sysroot
#   scripts/install-deps.sh image    also what make image and make test-image need: mmdebstrap
#                                    with arch-test and qemu-user-static (the arm64 root's package
#                                    scripts), mtools, dosfstools and fdisk (the card without loop
#                                    devices), qemu-system-arm (qemu-system-aarch64 boots it)
#   scripts/install-deps.sh armel    also the armv6 (soft-float, Pi Zero/Pi 1) cross toolchain and
#                                    qemu-user; the armel libraries go into .build-armv6/sysroot
set -euo pipefail
source "$(dirname "$0")/../cross/lib.sh"

ensure_packages gcc libc6-dev libssl-dev libgpiod-dev libi2c-dev openssl curl file ca-certificates \
    libcurl4-openssl-dev nginx-light python3 dpkg systemd make gcc-12 xz-utils libelf1 binutils
# The kernel suite's own (kernel/run.sh asks again and skips, rather than fails, without them).
# Installed here, in the same round, so that a mirror with a failing index costs its retries once.
( ensure_packages qemu-system-x86 busybox-static ) || log "qemu-system-x86 or busybox-static could not be installed; make test-kernel will skip"
# The system suite's: the guest's root (mmdebstrap, mkfs.ext4 -d) and the forward to the emulator.
ensure_packages mmdebstrap e2fsprogs socat
# The desk page's browser test (scripts/desk.sh): headless Chromium driven over WebDriver.
ensure_packages chromium chromium-driver fonts-dejavu-core
# `make fleet`'s and `make soak`'s plots.
ensure_packages gnuplot-nox
# The TPM stage's (make test-tpm, make bench-tpm): a software TPM, the OpenSSL provider, tpm2-tools.
ensure_packages swtpm swtpm-tools tpm2-openssl tpm2-tools
for extra in "$@"; do
    case "$extra" in
        arm64) arch=aarch64 ;;
        armhf) arch=armv7 ;;
        armel) arch=armv6 ;;
        image)
            ensure_packages mmdebstrap arch-test qemu-user-static mtools dosfstools fdisk xz-utils qemu-system-arm
            continue ;;
        *) die "unknown package set '$extra' (known: arm64, armhf, armel, image)" ;;
    esac
    # What cross/build.sh needs for that architecture (select_target in cross/lib.sh), and qemu-user.
    select_target "$arch"
    ensure_target
    ensure_packages qemu-user-static
done
log "Debian packages present"
