#!/usr/bin/env bash
# Installs the Debian packages Kelvin builds and tests with, only when missing (the installer
# itself, with its retries against a flaky mirror, is cross/lib.sh's `ensure_packages`).
#   scripts/install-deps.sh          host build, tests, demo and benchmark
#   scripts/install-deps.sh arm64    also the aarch64 cross toolchain, arm64 libraries and qemu-user
#   scripts/install-deps.sh armhf    also the armv7 (hard-float) cross toolchain, armhf libraries and qemu-user
set -euo pipefail
source "$(dirname "$0")/../cross/lib.sh"

ensure_packages gcc libc6-dev libssl-dev libgpiod-dev libi2c-dev openssl curl file ca-certificates \
    libcurl4-openssl-dev nginx-light python3
for extra in "$@"; do
    case "$extra" in
        arm64)
            ensure_packages --arm64 gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross \
                qemu-user-static libssl-dev:arm64 libgpiod-dev:arm64 libi2c-dev:arm64
            ;;
        armhf)
            ensure_packages --arch armhf gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf libc6-dev-armhf-cross \
                qemu-user-static libssl-dev:armhf libgpiod-dev:armhf libi2c-dev:armhf
            ;;
        *) die "unknown package set '$extra' (known: arm64, armhf)" ;;
    esac
done
log "Debian packages present"
