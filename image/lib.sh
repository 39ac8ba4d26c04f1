# Shared by image/build.sh and image/test.sh: what the image is made of and how its two
# partitions are laid out. Source it; do not run it.
# shellcheck shell=bash
# kernel/lib.sh: cross/lib.sh's helpers, and expect/report_scenarios for the test.
source "$(dirname "${BASH_SOURCE[0]}")/../kernel/lib.sh"

IMAGE_DIR="$REPO_ROOT/image"
IMAGE_CACHE="${KELVIN_IMAGE_CACHE:-$REPO_ROOT/.build-image}"
IMAGE_OUT="$REPO_ROOT/out/image"
IMAGE_SUITE=bookworm
# The FAT partition's label (11 characters at most) and the root's: fstab and the kernel's
# command line find them by these, on an SD card (mmcblk0) as on a virtio disk (vda).
BOOT_LABEL=KELVIN-BOOT
ROOT_LABEL=kelvin-root
# The boot partition starts at 4 MiB (the SD card's erase-block alignment) and holds the
# firmware, two kernels' worth of kernel and initrd, and the device trees.
BOOT_START_MIB=4
BOOT_SIZE_MIB=256
# What apt installs. linux-image-arm64 carries the Pi 3/4/Zero 2 W device trees; raspi-firmware
# (non-free-firmware) copies kernel, initrd and device trees to the boot partition with its
# hooks; firmware-brcm80211 is the Pi's Wi-Fi. openssl names the device from its certificate;
# fdisk grows the root partition; openssh-server stays disabled until a key is given.
IMAGE_PACKAGES=(
    systemd systemd-sysv systemd-timesyncd systemd-resolved udev dbus kmod iproute2
    linux-image-arm64 initramfs-tools zstd raspi-firmware firmware-brcm80211 wpasupplicant
    ca-certificates openssl fdisk e2fsprogs dosfstools openssh-server
    libssl3 libgpiod2 libi2c0
)

# ensure_image_tools: what building and booting the image needs on this machine.
ensure_image_tools() {
    ensure_packages mmdebstrap arch-test qemu-user-static e2fsprogs dosfstools mtools fdisk xz-utils qemu-system-arm
}

# ensure_binfmt_aarch64: arm64 programs run here through qemu-aarch64-static, as the package
# scripts in the arm64 root must. The F flag opens the interpreter now, so it works in a chroot.
ensure_binfmt_aarch64() {
    local dir=/proc/sys/fs/binfmt_misc
    [ -e "$dir/status" ] || mount -t binfmt_misc binfmt_misc "$dir" \
        || die "binfmt_misc could not be mounted; arm64 package scripts cannot run here"
    [ -e "$dir/qemu-aarch64" ] && return 0
    local interpreter=/usr/libexec/qemu-binfmt/aarch64-binfmt-P
    [ -e "$interpreter" ] || interpreter="$(command -v qemu-aarch64-static)"
    printf '%s' ':qemu-aarch64:M::\x7f\x45\x4c\x46\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00:\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:'"$interpreter"':FP' \
        >"$dir/register" || die "qemu-aarch64 could not be registered with binfmt_misc"
    log "registered qemu-aarch64 with binfmt_misc"
}

# partition_offset IMAGE N: the byte offset of partition N of IMAGE (sfdisk's dump).
partition_offset() {
    sfdisk -d "$1" | awk -v p="$1$2" '$1 == p { sub(/,/, "", $4); print $4 * 512 }'
}
