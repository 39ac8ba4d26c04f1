#!/bin/sh
# Installs kelvin on a Raspberry Pi: the binary, the systemd unit, the `kelvin` user
# (sysusers.d), the udev rules for /dev/i2c-* and /dev/gpiochip*, and the example configuration
# when there is none yet. Running it again changes nothing but the files it owns, and never
# touches an existing configuration.
#   sudo board/install.sh path/to/kelvin                 on the board
#   DESTDIR=/tmp/root board/install.sh path/to/kelvin    into a staging tree (a package); no
#                                                        root needed, nothing is started
# PREFIX (default /usr/local) is where the binary goes; the unit's ExecStart follows it.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
binary=${1:?usage: install.sh path/to/kelvin}
[ -f "$binary" ] || { echo "install.sh: $binary: no such file; build it first (cross/build.sh aarch64)" >&2; exit 66; }
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}

install -D -m 0755 "$binary" "$DESTDIR$PREFIX/bin/kelvin"
mkdir -p "$DESTDIR/etc/systemd/system"
sed "s|/usr/local/bin/kelvin|$PREFIX/bin/kelvin|" "$here/systemd/kelvin.service" >"$DESTDIR/etc/systemd/system/kelvin.service.new"
chmod 0644 "$DESTDIR/etc/systemd/system/kelvin.service.new"
mv "$DESTDIR/etc/systemd/system/kelvin.service.new" "$DESTDIR/etc/systemd/system/kelvin.service"
install -D -m 0644 "$here/sysusers.d/kelvin.conf" "$DESTDIR/etc/sysusers.d/kelvin.conf"
install -D -m 0644 "$here/udev/99-kelvin.rules" "$DESTDIR/etc/udev/rules.d/99-kelvin.rules"

# /etc/kelvin holds the device key: readable by the service's group only.
install -d -m 0750 "$DESTDIR/etc/kelvin"
if [ -f "$here/kelvin.conf" ] && [ ! -e "$DESTDIR/etc/kelvin/kelvin.conf" ]; then
    install -m 0640 "$here/kelvin.conf" "$DESTDIR/etc/kelvin/kelvin.conf"
    echo "install.sh: wrote the example configuration $DESTDIR/etc/kelvin/kelvin.conf; edit it"
fi

if [ -n "$DESTDIR" ]; then
    echo "install.sh: installed into $DESTDIR"
    exit 0
fi

# On the board itself: create the user and groups, give /etc/kelvin to its group, apply the
# device rules to devices already present, and let systemd see the unit.
systemd-sysusers /etc/sysusers.d/kelvin.conf
chgrp kelvin /etc/kelvin
[ ! -f /etc/kelvin/kelvin.conf ] || chgrp kelvin /etc/kelvin/kelvin.conf
if command -v udevadm >/dev/null 2>&1; then
    udevadm control --reload
    udevadm trigger --subsystem-match=i2c-dev --subsystem-match=gpio
fi
systemctl daemon-reload
echo "install.sh: installed. Put the device certificate and key in /etc/kelvin (group kelvin, mode 0640),"
echo "            then: sudo systemctl enable --now kelvin"
