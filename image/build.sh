#!/usr/bin/env bash
# The SD-card image (`make image`): out/image/kelvin-VERSION-rpi-arm64.img.xz, to flash with
# Raspberry Pi Imager or dd, for the Pi 3, Pi 4 and Zero 2 W (image/README.md).
#
# A minimal Debian 12 arm64: systemd, systemd-networkd (wired, and Wi-Fi from a file on the boot
# partition), systemd-timesyncd, Debian's linux-image-arm64 with raspi-firmware (the Pi's boot
# firmware, whose hooks put the kernel, initrd and device trees on the FAT partition) and
# firmware-brcm80211 (Wi-Fi), OpenSSH installed but off, and the arm64 kelvin .deb installed and
# enabled. kelvin-firstboot.service (image/root/) moves the device's files from the boot
# partition into /etc/kelvin before kelvin starts.
#
# The arm64 root is built here with mmdebstrap, its package scripts run by qemu-aarch64-static
# through binfmt_misc, so the card boots into a configured system (with an initrd: Debian's
# kernel loads the SD card's driver from it) rather than spending its first boot in dpkg. The
# disk is put together without loop devices: sfdisk on the image file, mkfs.vfat and mcopy for
# the boot partition, mkfs.ext4 -d for the root, the two joined with dd.
#
# What apt installs is cached in .build-image/ under a key of the versions apt offers and the
# recipe, so a rebuild after a change to kelvin takes minutes. SOURCE_DATE_EPOCH (default: the
# last commit's time) stamps the file systems and their files. Needs root: the files' owners go
# into the image as they are.
#   KELVIN_IMAGE_DEB=FILE   the arm64 kelvin .deb to install (default: built here with cross/)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

T_START="$(now)"
[ "$(id -u)" -eq 0 ] || die "make image needs root: the image's files keep their owners in its root file system"
ensure_image_tools
ensure_binfmt_aarch64
mkdir -p "$IMAGE_CACHE" "$IMAGE_OUT"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git -C "$REPO_ROOT" log -1 --format=%ct 2>/dev/null || date +%s)}"
unset https_proxy HTTPS_PROXY

# --- What apt installs, cached ---------------------------------------------------------------------
# build_packages TAR: the arm64 root with IMAGE_PACKAGES installed and configured, as a tarball.
build_packages() {
    local mirror=http://deb.debian.org
    mmdebstrap --mode=root --architectures=arm64 --variant=apt \
        --include="$(IFS=,; echo "${IMAGE_PACKAGES[*]}")" \
        --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
        --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
        --dpkgopt='path-exclude=/usr/share/info/*' \
        "$IMAGE_SUITE" "$1" \
        "deb $mirror/debian $IMAGE_SUITE main non-free-firmware" \
        "deb $mirror/debian $IMAGE_SUITE-updates main non-free-firmware" \
        "deb $mirror/debian-security $IMAGE_SUITE-security main non-free-firmware" >&2
}
# The versions apt offers: the host's lists have arm64 and main; non-free-firmware's two are
# named by the recipe (build_packages) itself.
candidates="$(apt-cache policy "${IMAGE_PACKAGES[@]/%/:arm64}" 2>/dev/null | awk '/^[^ ].*:$/ { n = $1 } $1 == "Candidate:" { print n $2 }')"
key="$( { echo "$candidates"; declare -f build_packages; echo "${IMAGE_PACKAGES[*]}"; } | sha256sum | cut -c1-16)"
packages="$IMAGE_CACHE/packages-$key.tar"
if [ ! -f "$packages" ]; then
    t0="$(now)"
    rm -f "$IMAGE_CACHE"/packages-*.tar
    log "installing the arm64 root with mmdebstrap: ${IMAGE_PACKAGES[*]}"
    build_packages "$packages.new.tar" || die "mmdebstrap could not build the arm64 root (see above)"
    mv "$packages.new.tar" "$packages"
    log "arm64 package root built in $(elapsed "$t0")"
fi

# --- The arm64 kelvin .deb -------------------------------------------------------------------------
t0="$(now)"
deb="${KELVIN_IMAGE_DEB:-}"
if [ -z "$deb" ]; then
    "$CROSS_DIR/build.sh" aarch64 dynamic >"$IMAGE_CACHE/deb.log" 2>&1 \
        || { cat "$IMAGE_CACHE/deb.log" >&2; die "the aarch64 dynamic build of kelvin failed"; }
    rm -f "$REPO_ROOT"/out/deb/kelvin_*_arm64.deb
    "$CROSS_DIR/package-deb.sh" aarch64 >>"$IMAGE_CACHE/deb.log" 2>&1 \
        || { cat "$IMAGE_CACHE/deb.log" >&2; die "packaging the arm64 .deb failed"; }
    deb="$(ls "$REPO_ROOT"/out/deb/kelvin_*_arm64.deb)"
fi
[ -f "$deb" ] || die "$deb: no such .deb; build it with make deb, or leave KELVIN_IMAGE_DEB unset"
version="$(dpkg-deb -f "$deb" Version)"
log "kelvin $version: ${deb#"$REPO_ROOT"/} ($(elapsed "$t0"))"


# --- The root: the packages, the image's own files, kelvin -----------------------------------------
t0="$(now)"
root="$IMAGE_CACHE/root"
! mountpoint -q "$root/proc" 2>/dev/null || umount "$root/proc"
rm -rf --one-file-system "$root"
mkdir -p "$root"
tar -C "$root" --numeric-owner --xattrs --xattrs-include='*' -xpf "$packages"
# The image's files (image/root), owned by root; directories already there keep their modes.
tar -C "$IMAGE_DIR/root" --owner=0 --group=0 --numeric-owner -cf - . | tar -C "$root" --no-overwrite-dir -xpf -
cp "$deb" "$root/tmp/kelvin.deb"
chroot "$root" dpkg -i /tmp/kelvin.deb >&2 || die "dpkg -i of ${deb#"$REPO_ROOT"/} in the arm64 root failed"
rm -f "$root/tmp/kelvin.deb"
systemctl --root="$root" enable kelvin.service kelvin-firstboot.service systemd-networkd.service \
    systemd-resolved.service systemd-timesyncd.service >&2
# SSH off until a key is given; each card makes its own host keys then (firstboot).
systemctl --root="$root" disable ssh.service >&2
rm -f "$root"/etc/ssh/ssh_host_*
# The machine ID is made at the first boot, each card its own.
: >"$root/etc/machine-id"
rm -f "$root/var/lib/dbus/machine-id"
echo kelvin >"$root/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkelvin\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
ln -sf ../run/systemd/resolve/stub-resolv.conf "$root/etc/resolv.conf"
cat >"$root/etc/fstab" <<FSTAB
LABEL=$ROOT_LABEL / ext4 rw,noatime 0 1
# The FAT boot partition: firmware, kernel, initrd, config.txt, and the kelvin/ folder the
# device's files are dropped in (kelvin-firstboot.service). Only root reads it.
LABEL=$BOOT_LABEL /boot/firmware vfat rw,umask=0077 0 2
FSTAB
# The Pi's kernel command line, which raspi-firmware's hook writes to cmdline.txt (with
# net.ifnames=0: eth0 and wlan0): the root by label; the consoles of a Pi 3/4, named rather than
# probed from the build machine's /dev.
sed -i -e "s|^#\?ROOTPART=.*|ROOTPART=LABEL=$ROOT_LABEL|" -e 's|^#\?CONSOLES=.*|CONSOLES="tty0 ttyS1,115200"|' \
    "$root/etc/default/raspi-firmware"
grep -qx "ROOTPART=LABEL=$ROOT_LABEL" "$root/etc/default/raspi-firmware" || die "raspi-firmware has no ROOTPART= setting any more; update image/build.sh"
kernel_release="$(ls "$root/lib/modules")"
# The hook acts only as a package's configure step, and looks for a chroot through /proc.
mount -t proc proc "$root/proc"
status=0
chroot "$root" env DEB_MAINT_PARAMS=configure /etc/kernel/postinst.d/z50-raspi-firmware "$kernel_release" >&2 || status=$?
umount "$root/proc"
[ "$status" -eq 0 ] || die "raspi-firmware's hook could not write the boot partition's files"
grep -q "root=LABEL=$ROOT_LABEL " "$root/boot/firmware/cmdline.txt" || die "cmdline.txt does not name root=LABEL=$ROOT_LABEL: $(cat "$root/boot/firmware/cmdline.txt")"
install -D -m 0644 "$IMAGE_DIR/boot/README.txt" "$root/boot/firmware/kelvin/README.txt"
rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/var/cache/debconf/*-old
# Every file stamped no later than SOURCE_DATE_EPOCH.
find "$root" -newermt "@$SOURCE_DATE_EPOCH" -print0 | xargs -0r touch --no-dereference --date="@$SOURCE_DATE_EPOCH"
log "root prepared in $(elapsed "$t0"): kernel $kernel_release, kelvin $version"

# --- The two partitions and the disk ---------------------------------------------------------------
t0="$(now)"
work="$IMAGE_CACHE/work"
rm -rf "$work"
mkdir -p "$work"
# Reproducible identifiers: derived from SOURCE_DATE_EPOCH and the version, not random.
seed="$(printf '%s %s' "$SOURCE_DATE_EPOCH" "$version" | sha256sum)"
uuid="$(sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-a\4-\5/' <<<"$seed")"
volume_id="${seed:32:8}"
disk_id="0x${seed:40:8}"
export E2FSPROGS_FAKE_TIME="$SOURCE_DATE_EPOCH"

truncate -s "${BOOT_SIZE_MIB}M" "$work/boot.img"
mkfs.vfat -F 32 -n "$BOOT_LABEL" -i "$volume_id" --invariant "$work/boot.img" >/dev/null
mcopy -s -m -i "$work/boot.img" "$root"/boot/firmware/* ::
# The files now live on the FAT partition, which is mounted here on the card.
rm -rf "${root:?}"/boot/firmware/*

# The root's size: what it holds and a quarter more, at least 256 MiB free; the first boot grows
# it to the card.
used_mib=$(( $(du -s --block-size=1M "$root" | cut -f1) ))
root_mib=$(( used_mib + used_mib / 4 + 256 ))
mkfs.ext4 -q -F -L "$ROOT_LABEL" -U "$uuid" -E "hash_seed=$uuid" -m 1 -d "$root" "$work/root.img" "${root_mib}M" \
    || die "mkfs.ext4 -d could not make the root file system"

image="$IMAGE_OUT/kelvin-$version-rpi-arm64.img"
rm -f "$image" "$image.xz"
total_mib=$(( BOOT_START_MIB + BOOT_SIZE_MIB + root_mib ))
truncate -s "${total_mib}M" "$image"
# MBR: the Pi's boot ROM reads the first FAT partition of an MBR disk.
sfdisk --quiet "$image" <<TABLE
label: dos
label-id: $disk_id
start=${BOOT_START_MIB}MiB, size=${BOOT_SIZE_MIB}MiB, type=c, bootable
start=$(( BOOT_START_MIB + BOOT_SIZE_MIB ))MiB, type=83
TABLE
dd if="$work/boot.img" of="$image" bs=1M seek="$BOOT_START_MIB" conv=notrunc,sparse status=none
dd if="$work/root.img" of="$image" bs=1M seek="$(( BOOT_START_MIB + BOOT_SIZE_MIB ))" conv=notrunc,sparse status=none
rm -rf "$work" "$root"
log "disk assembled in $(elapsed "$t0"): ${total_mib} MiB (boot ${BOOT_SIZE_MIB} MiB, root ${root_mib} MiB, ${used_mib} MiB of files)"

t0="$(now)"
xz -T0 -6 --keep "$image"
log "compressed in $(elapsed "$t0")"
echo "${image#"$REPO_ROOT"/}.xz: $(file_size "$image.xz") bytes ($(human "$(file_size "$image.xz")")), $(file_size "$image") bytes unpacked"
echo "sha256 $(sha256sum "$image.xz" | cut -d' ' -f1) (image: $(sha256sum "$image" | cut -d' ' -f1))"
echo "SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH; built in $(elapsed "$T_START")"
