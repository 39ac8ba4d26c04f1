#!/usr/bin/env bash
# Proves the layout of the .deb packages:  cross/test-deb.sh [aarch64|armv7|armv6 ...]  (default
# aarch64 armv7). Each out/deb/PACKAGE_VERSION_DEBARCH.deb (cross/package-deb.sh ARCH) is installed with
# `dpkg --root` into a throwaway root, its maintainer scripts run (--force-script-chrootless,
# with DPKG_ROOT), then checked: Depends names the packages of the libraries the binary needs
# (none for the static armv6 one, kelvin-static); it conflicts with and replaces the other package;
# the files are where the unit expects them; the postinst made the kelvin user and gave it
# /etc/kelvin; the installed binary runs (qemu-user) and reports the package's version; removing
# keeps the edited conffile and purging deletes it. With armv7 and armv6 both: installing
# kelvin-static over kelvin removes kelvin and keeps the edited configuration.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_packages dpkg file systemd
archs=("$@")
[ ${#archs[@]} -gt 0 ] || archs=(aarch64 armv7)

check() { # check DESCRIPTION COMMAND... -- fails the test with DESCRIPTION unless COMMAND succeeds
    local what="$1"; shift
    "$@" || die "$deb_name: $what"
    echo "  ok  $what"
}

# throwaway_root -- an empty system in $root for dpkg to install into, with dpkg_root the command.
throwaway_root() {
    root="$(mktemp -d)"
    trap 'rm -rf "$root"' EXIT
    mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates" "$root/etc"
    touch "$root/var/lib/dpkg/status" "$root/etc/passwd" "$root/etc/group"
    dpkg_root=(dpkg --root="$root" --force-architecture --force-depends --force-script-chrootless)
}

for arch in "${archs[@]}"; do
    select_package "$arch"
    deb="$(ls "$REPO_ROOT"/out/deb/"$PACKAGE"_*_"$PACKAGE_ARCH".deb 2>/dev/null | head -n1)"
    [ -n "$deb" ] || die "no out/deb/${PACKAGE}_*_$PACKAGE_ARCH.deb; run cross/package-deb.sh $arch first"
    deb_name="$(basename "$deb")"
    version="$(dpkg-deb -f "$deb" Version)"
    echo "$deb_name:"

    # Depends: exactly the packages the issue names for a dynamic build (armhf also needs libgcc_s
    # for ARM EHABI unwinding), and each needed library's package among them; a static build none.
    depends="$(dpkg-deb -f "$deb" Depends)"
    names="$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//; /^$/d' | sort | tr '\n' ' ')"
    case "$arch" in
        armv6) expected="" ;;
        armv7) expected="libc6 libgcc-s1 libgpiod2 libi2c0 libssl3 " ;;
        *) expected="libc6 libgpiod2 libi2c0 libssl3 " ;;
    esac
    check "Depends: ${depends:-nothing}" test "$names" = "$expected"
    check "Conflicts: and Replaces: $PACKAGE_OTHER" \
        test "$(dpkg-deb -f "$deb" Conflicts Replaces)" = "$(printf 'Conflicts: %s\nReplaces: %s' "$PACKAGE_OTHER" "$PACKAGE_OTHER")"

    throwaway_root
    "${dpkg_root[@]}" -i "$deb" >"$root.log" 2>&1 || { cat "$root.log" >&2; die "$deb_name: dpkg -i failed"; }
    check "dpkg -i into a throwaway root: installed" \
        grep -qx "Status: install ok installed" <(dpkg --root="$root" -s "$PACKAGE")
    check "conffile /etc/kelvin/kelvin.conf" grep -q "^ /etc/kelvin/kelvin.conf [0-9a-f]\{32\}$" <(dpkg --root="$root" -s "$PACKAGE")

    unit="$root/lib/systemd/system/kelvin.service"
    check "unit in /lib/systemd/system" test -f "$unit"
    exec_start="$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$unit")"
    check "ExecStart=$exec_start is the installed binary" test -x "$root$exec_start"
    check "$exec_start is an $PACKAGE_ARCH binary" grep -q "$FILE_WORDS" <(file -b "$root$exec_start")
    [ "$PACKAGE_LINK" = dynamic ] \
        || check "$exec_start is $STATIC_WORDS" grep -q "$STATIC_WORDS" <(file -b "$root$exec_start")
    working_dir="$(sed -n 's/^WorkingDirectory=//p' "$unit")"
    check "WorkingDirectory=$working_dir holds the configuration" test -f "$root$working_dir/kelvin.conf"
    check "sysusers.d entry in /usr/lib/sysusers.d" test -f "$root/usr/lib/sysusers.d/kelvin.conf"
    check "udev rules in /lib/udev/rules.d" test -f "$root/lib/udev/rules.d/99-kelvin.rules"
    check "docs in /usr/share/doc/kelvin" test -f "$root/usr/share/doc/kelvin/CHECKLIST.md"
    gid="$(awk -F: '$1 == "kelvin" { print $3 }' "$root/etc/group")"
    check "postinst: user kelvin, no login shell" grep -q '^kelvin:.*:/usr/sbin/nologin$' "$root/etc/passwd"
    check "postinst: kelvin in groups i2c and gpio" \
        test "$(grep -Ec '^(i2c|gpio):[^:]*:[0-9]+:(.*,)?kelvin(,.*)?$' "$root/etc/group")" = 2
    check "postinst: /etc/kelvin is mode 0750, group kelvin" test "$(stat -c '%a %g' "$root/etc/kelvin")" = "750 $gid"
    check "postinst: kelvin.conf is mode 0640, group kelvin" test "$(stat -c '%a %g' "$root/etc/kelvin/kelvin.conf")" = "640 $gid"
    check "the installed binary runs and is version $version" \
        test "$(KELVIN_BIN="$root$exec_start" "$CROSS_DIR/run.sh" "$TARGET_ARCH-$PACKAGE_LINK" --version)" = "kelvin $version"

    echo "# edited on the device" >>"$root/etc/kelvin/kelvin.conf"
    "${dpkg_root[@]}" -r "$PACKAGE" >>"$root.log" 2>&1 || { cat "$root.log" >&2; die "$deb_name: dpkg -r failed"; }
    check "dpkg -r removes the binary" test ! -e "$root$exec_start"
    check "dpkg -r keeps the edited conffile" grep -q "edited on the device" "$root/etc/kelvin/kelvin.conf"
    "${dpkg_root[@]}" --purge "$PACKAGE" >>"$root.log" 2>&1 || { cat "$root.log" >&2; die "$deb_name: dpkg --purge failed"; }
    check "dpkg --purge removes the conffile" test ! -e "$root/etc/kelvin/kelvin.conf"
    rm -rf "$root" "$root.log"
    trap - EXIT
done

# A device moves between the two armhf packages (a Pi 2 to the static one, or back): installing
# one removes the other and keeps the configuration edited on the device.
tested() { case " ${archs[*]} " in *" $1 "*) ;; *) return 1 ;; esac; }
if tested armv7 && tested armv6; then
    deb_name="kelvin_*_armhf.deb -> kelvin-static_*_armhf.deb"
    echo "$deb_name:"
    throwaway_root
    dpkg_root+=(--force-confold)
    for deb in "$REPO_ROOT"/out/deb/kelvin_*_armhf.deb "$REPO_ROOT"/out/deb/kelvin-static_*_armhf.deb; do
        "${dpkg_root[@]}" -i "$deb" >>"$root.log" 2>&1 </dev/null || { cat "$root.log" >&2; die "$deb_name: dpkg -i $(basename "$deb") failed"; }
        [ -f "$root/etc/kelvin/kelvin.conf" ] && echo "# edited on the device" >>"$root/etc/kelvin/kelvin.conf"
    done
    check "kelvin-static installed" grep -qx "Status: install ok installed" <(dpkg --root="$root" -s kelvin-static)
    check "kelvin removed" test "$(dpkg-query --root="$root" -W -f='${db:Status-Status}' kelvin)" != installed
    check "/usr/bin/kelvin is the static one" grep -q "$STATIC_WORDS" <(file -b "$root/usr/bin/kelvin")
    check "the edited configuration kept" grep -q "edited on the device" "$root/etc/kelvin/kelvin.conf"
    rm -rf "$root" "$root.log"
    trap - EXIT
fi
