#!/usr/bin/env bash
# Builds the Debian package of a device build:  cross/package-deb.sh aarch64|armv7|armv6|host
#   -> out/deb/kelvin_VERSION_DEBARCH.deb (arm64, armhf) from the dynamic build (cross/build.sh
#      ARCH dynamic first); armv6: out/deb/kelvin-static_VERSION_armhf.deb from its static build,
#      for every Pi on 32-bit Raspberry Pi OS (select_package in lib.sh, cross/README.md)
#   host: the x86_64 Embedded build (cross/build-embedded-host.sh) -> kelvin_VERSION_amd64.deb,
#   the same binary a device runs, for a Debian PC or VM (system/run.sh boots it)
# KELVIN_DEB_VERSION overrides the package version (an upgrade to test).
# Contents: the stripped binary and board/ laid out as a package installs them:
#   /usr/bin/kelvin                          (the unit's ExecStart= is changed to it)
#   /lib/systemd/system/kelvin.service       (not enabled: the device needs its certificate first)
#   /usr/lib/sysusers.d/kelvin.conf          (the kelvin user; postinst runs systemd-sysusers)
#   /lib/udev/rules.d/99-kelvin.rules
#   /etc/kelvin/kelvin.conf                  (a conffile: upgrades keep the device's edits)
#   /usr/share/doc/kelvin/                   (board/README.md, CHECKLIST.md, WIRING.md, config.txt)
# Depends: the package of each library the binary needs (readelf -d), versioned by the newest
# symbol version it uses where the library has them (glibc, OpenSSL, libgcc); none for a static one.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages file dpkg binutils
BOARD="$REPO_ROOT/board"
root="$(mktemp -d)"
chmod 0755 "$root"
trap 'rm -rf "$root"' EXIT
if [ "${1:-}" = host ]; then
    GNU=x86_64-linux-gnu DEBARCH=amd64
    PACKAGE=kelvin PACKAGE_LINK=dynamic PACKAGE_ARCH=amd64 PACKAGE_OTHER=kelvin-static
    [ -f "$REPO_ROOT/out/embedded-host/$PRODUCT" ] \
        || die "out/embedded-host/$PRODUCT not found; run cross/build-embedded-host.sh first"
    binary="$root.kelvin"
    trap 'rm -rf "$root" "$root.kelvin"' EXIT
    strip -o "$binary" "$REPO_ROOT/out/embedded-host/$PRODUCT"
else
    select_package "${1:?usage: cross/package-deb.sh aarch64|armv7|armv6|host}"
    binary="$REPO_ROOT/out/$TARGET_ARCH-$PACKAGE_LINK/$PRODUCT.stripped"
    [ -f "$binary" ] || die "${binary#"$REPO_ROOT"/} not found; run cross/build.sh $TARGET_ARCH $PACKAGE_LINK first"
fi
version="$(sed -n 's/^ *public static let text = "\([0-9][0-9.]*\)"$/\1/p' "$REPO_ROOT/Sources/AzureIoT/ProvisioningRequests.swift")"
[ -n "$version" ] || die "no KelvinVersion.text found in Sources/AzureIoT/ProvisioningRequests.swift"
version="${KELVIN_DEB_VERSION:-$version}"

# newest_version BINARY PREFIX -- the highest symbol version PREFIX_x.y.z the binary refers to.
# Empty when it refers to none (an armv7 build may need libgcc_s.so.1 and call nothing versioned).
newest_version() {
    "$GNU-readelf" -V "$1" | { grep -o "Name: $2_[0-9.]*" || true; } | sed "s/.*$2_//" | sort -V | tail -n1
}
# at_least PACKAGE VERSION -- "PACKAGE (>= VERSION)", or PACKAGE alone when VERSION is empty.
at_least() {
    if [ -n "$2" ]; then echo "$1 (>= $2)"; else echo "$1"; fi
}
depends=()
for soname in $("$GNU-readelf" -d "$binary" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
    case "$soname" in
        libc.so.6 | ld-linux*.so.*) dep="$(at_least libc6 "$(newest_version "$binary" GLIBC)")" ;;
        libssl.so.3 | libcrypto.so.3) dep="$(at_least libssl3 "$(newest_version "$binary" OPENSSL)")" ;;
        libgcc_s.so.1) dep="$(at_least libgcc-s1 "$(newest_version "$binary" GCC)")" ;;
        # No symbol versions: the versions Debian 12's shlibs files name.
        libgpiod.so.2) dep="libgpiod2 (>= 1.6.3)" ;;
        libi2c.so.0) dep="libi2c0 (>= 4.3)" ;;
        *) die "no Debian package known for $soname, which ${binary#"$REPO_ROOT"/} needs" ;;
    esac
    case " ${depends[*]/%/,} " in *" $dep, "*) ;; *) depends+=("$dep") ;; esac
done
depends_line="$(printf '%s, ' "${depends[@]}")"
depends_line="${depends_line%, }"
[ "$PACKAGE_LINK" = dynamic ] || [ ${#depends[@]} -eq 0 ] || die "${binary#"$REPO_ROOT"/} is not static: it needs $depends_line"

install -D -m 0755 "$binary" "$root/usr/bin/kelvin"
mkdir -p "$root/lib/systemd/system"
sed 's|^ExecStart=/usr/local/bin/kelvin |ExecStart=/usr/bin/kelvin |' "$BOARD/systemd/kelvin.service" >"$root/lib/systemd/system/kelvin.service"
grep -q '^ExecStart=/usr/bin/kelvin ' "$root/lib/systemd/system/kelvin.service" || die "the unit's ExecStart= was not rewritten"
chmod 0644 "$root/lib/systemd/system/kelvin.service"
install -D -m 0644 "$BOARD/sysusers.d/kelvin.conf" "$root/usr/lib/sysusers.d/kelvin.conf"
install -D -m 0644 "$BOARD/udev/99-kelvin.rules" "$root/lib/udev/rules.d/99-kelvin.rules"
install -d -m 0750 "$root/etc/kelvin"
install -m 0640 "$BOARD/kelvin.conf" "$root/etc/kelvin/kelvin.conf"
install -d -m 0755 "$root/usr/share/doc/kelvin"
for doc in README.md CHECKLIST.md WIRING.md config.txt; do
    install -m 0644 "$BOARD/$doc" "$root/usr/share/doc/kelvin/$doc"
done

# A device key in a TPM needs OpenSSL's tpm2 provider, which only a dynamic build can load.
suggests_line=
[ "$PACKAGE_LINK" != dynamic ] || suggests_line="tpm2-openssl, tpm2-tools"
install -d -m 0755 "$root/DEBIAN"
cat >"$root/DEBIAN/control" <<CONTROL
Package: $PACKAGE
Version: $version
Architecture: $PACKAGE_ARCH
Maintainer: Kelvin developers <kelvin@localhost>
Installed-Size: $(du -sk --exclude=DEBIAN "$root" | cut -f1)
${depends_line:+Depends: $depends_line
}${suggests_line:+Suggests: $suggests_line
}Conflicts: $PACKAGE_OTHER
Replaces: $PACKAGE_OTHER
Section: net
Priority: optional
Description: temperature telemetry from a Raspberry Pi to Azure IoT Hub$([ "$PACKAGE_LINK" = dynamic ] || echo " (static, every Pi)")
 kelvin reads a temperature sensor (I2C, hwmon, IIO, 1-Wire or a simulation), provisions the
 device once through the Azure IoT Hub Device Provisioning Service with its X.509 certificate,
 and sends the readings to its hub over HTTPS, keeping them on disk while the hub is out of
 reach. It runs as the unprivileged systemd service kelvin.service.
 .
 After installing: put the device certificate and key in /etc/kelvin, edit
 /etc/kelvin/kelvin.conf, then: systemctl enable --now kelvin
CONTROL
echo /etc/kelvin/kelvin.conf >"$root/DEBIAN/conffiles"
# postinst: the user and groups, /etc/kelvin to group kelvin, the device rules for devices already
# present, systemd told of the unit. Each step only where its tool is there and running, and only
# inside the system the package is installed into ($DPKG_ROOT: dpkg --root with
# --force-script-chrootless, as cross/test-deb.sh installs it).
cat >"$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
    if command -v systemd-sysusers >/dev/null 2>&1; then
        systemd-sysusers --root="${DPKG_ROOT:-/}" kelvin.conf
    fi
    gid=$(awk -F: '$1 == "kelvin" { print $3 }' "$DPKG_ROOT/etc/group")
    if [ -n "$gid" ]; then
        chgrp "$gid" "$DPKG_ROOT/etc/kelvin" "$DPKG_ROOT/etc/kelvin/kelvin.conf"
    fi
    if [ -z "$DPKG_ROOT" ] && [ -d /run/udev ] && command -v udevadm >/dev/null 2>&1; then
        udevadm control --reload || true
        udevadm trigger --subsystem-match=i2c-dev --subsystem-match=gpio || true
    fi
    if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
        # An upgrade: a running service restarts once, onto the new binary; a stopped one stays so.
        if [ -n "$2" ]; then
            systemctl try-restart kelvin.service || true
        fi
    fi
fi
POSTINST
cat >"$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ "$1" = remove ] && [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
    systemctl stop kelvin.service || true
fi
PRERM
# postrm: purge takes what the device gathered since: the identity and its key in /etc/kelvin,
# the assignment and the spool in /var/lib/kelvin (StateDirectory=), and the kelvin user and
# group. The i2c and gpio groups stay: Raspberry Pi OS has them anyway, and other users may be
# in them.
cat >"$root/DEBIAN/postrm" <<'POSTRM'
#!/bin/sh
set -e
if [ "$1" = purge ]; then
    rm -rf "$DPKG_ROOT/etc/kelvin" "$DPKG_ROOT/var/lib/kelvin" "$DPKG_ROOT/var/lib/private/kelvin" \
        "$DPKG_ROOT/etc/systemd/system/multi-user.target.wants/kelvin.service"
    if [ -z "$DPKG_ROOT" ] && getent passwd kelvin >/dev/null; then
        userdel kelvin || true
    fi
    if [ -z "$DPKG_ROOT" ] && getent group kelvin >/dev/null; then
        groupdel kelvin || true
    fi
    if [ -z "$DPKG_ROOT" ] && [ -d /run/systemd/system ]; then
        systemctl daemon-reload || true
    fi
fi
POSTRM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm" "$root/DEBIAN/postrm"

deb="$REPO_ROOT/out/deb/${PACKAGE}_${version}_$PACKAGE_ARCH.deb"
mkdir -p "$(dirname "$deb")"
rm -f "$deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null || die "dpkg-deb failed"
echo "${deb#"$REPO_ROOT"/}: $(file_size "$deb") bytes ($(human "$(file_size "$deb")")), Depends: ${depends_line:-nothing}"
