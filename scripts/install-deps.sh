#!/usr/bin/env bash
# Installs the Debian packages Kelvin builds and tests with, only when missing. Idempotent;
# retries `apt-get update` because package mirrors are sometimes flaky.
#   scripts/install-deps.sh          host build + tests
#   scripts/install-deps.sh arm64    also the aarch64 cross toolchain, arm64 libraries and qemu-user
set -euo pipefail

host_packages=(libssl-dev libgpiod-dev libi2c-dev openssl curl file ca-certificates)
arm64_packages=(gcc-aarch64-linux-gnu libc6-dev-arm64-cross binutils-aarch64-linux-gnu qemu-user-static
                libssl-dev:arm64 libgpiod-dev:arm64 libi2c-dev:arm64)

wanted=("${host_packages[@]}")
for extra in "$@"; do
    case "$extra" in
        arm64) wanted+=("${arm64_packages[@]}") ;;
        *) echo "install-deps: unknown package set '$extra' (known: arm64)" >&2; exit 64 ;;
    esac
done

sudo_if_needed() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

if [[ " $* " == *" arm64 "* ]] && ! dpkg --print-foreign-architectures | grep -qx arm64; then
    sudo_if_needed dpkg --add-architecture arm64
    added_architecture=1
fi

missing=()
for package in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ] && [ -z "${added_architecture:-}" ]; then
    echo "install-deps: all ${#wanted[@]} packages present"
    exit 0
fi

echo "install-deps: installing ${missing[*]}"
for attempt in 1 2 3 4 5; do
    if sudo_if_needed apt-get update -q >/tmp/kelvin-apt-update.log 2>&1; then break; fi
    if [ "$attempt" -eq 5 ]; then
        echo "install-deps: apt-get update failed 5 times; see /tmp/kelvin-apt-update.log" >&2
        exit 69
    fi
    echo "install-deps: apt-get update failed (attempt $attempt); retrying in $((attempt * 5)) s" >&2
    sleep $((attempt * 5))
done
for attempt in 1 2 3; do
    if sudo_if_needed env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"; then
        exit 0
    fi
    echo "install-deps: apt-get install failed (attempt $attempt); retrying" >&2
    sleep $((attempt * 5))
    sudo_if_needed apt-get update -q >/dev/null 2>&1 || true
done
echo "install-deps: could not install ${missing[*]}" >&2
exit 69
