#!/bin/bash
# The system-test scenarios, run in the booted guest by kelvin-system-test.service from the
# payload disk (mounted at /payload) that system/run.sh prepares; `scenarios.sh hardware` (from
# kelvin-test-hardware.service) sets up the simulated chips at each boot. They report on the second
# serial port in the markers of kernel/guest/fixtures.sh. The first boot installs the package and
# runs the service through its life, then asks for a power cut ("@@ power-cut": the host kills
# QEMU); the boot after it checks what survived, then the upgrade, removal and purge.
# Every wait is bounded, so that a hang shows as a failed scenario rather than a stuck test.
exec >/dev/ttyS1 2>&1
stty -F /dev/ttyS1 raw -echo 2>/dev/null
. /payload/fixtures.sh
. /payload/test.env
PHASE_FILE=/var/lib/kelvin-system-test/phase
UNIT=kelvin.service

# Short enough for a test to wait out; what is tested is that systemd acts on them. A variable
# that names no setting gives kelvin one warning to log.
DROP_IN='[Service]
WatchdogSec=12
RestartSec=3
Environment=KELVIN_SYSTEM_TEST=1'
WATCHDOG_SEC=12
RESTART_SEC=3

prop() { systemctl show -p "$1" --value $UNIT; }
# wait_for SECONDS COMMAND...: true once COMMAND succeeds, false when SECONDS pass first.
wait_for() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@"; do
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}
is_running() { [ "$(prop ActiveState) $(prop SubState)" = "active running" ]; }
restarted_from() { [ "$(prop MainPID)" != "$1" ] && [ "$(prop MainPID)" != 0 ] && is_running; }
queued_zero() { prop StatusText | grep -q ', queued 0,'; }
# mark FILE: the journal's current end, kept in FILE for the two below.
mark() { journalctl -n 1 -o export | sed -n 's/^__CURSOR=//p' >"$1"; }
# kelvin's own journal lines since the mark in FILE.
kelvin_lines() { journalctl --after-cursor="$(cat "$1")" -o cat _SYSTEMD_UNIT=$UNIT "${@:2}"; }
# Every line about the unit, kelvin's and systemd's, since the mark in FILE.
unit_lines() { journalctl --after-cursor="$(cat "$1")" -o cat -u $UNIT; }
# Every reading this boot queued, by message ID, for the host to find at the emulator.
list_queued() { journalctl -b -o cat _SYSTEMD_UNIT=$UNIT | sed -n 's/^queued /queued: /p'; }

first_boot() {
    echo "@@ guest up: $(uname -r), $(systemctl --version | head -n1)"

    scenario 0 "apt install ./kelvin.deb: the maintainer scripts make the user, fix the device groups, leave the unit disabled"
    cp /payload/kelvin.deb /tmp/kelvin_${VERSION}_amd64.deb
    run apt-get install -y -qq --no-install-recommends /tmp/kelvin_${VERSION}_amd64.deb
    udevadm settle
    stat -c '%G %a %n' /dev/i2c-0 /dev/gpiochip0
    id kelvin
    echo "$UNIT $(systemctl is-enabled $UNIT)"
    end

    install -o root -g kelvin -m 0640 /payload/device-cert.pem /payload/device-key.pem /payload/server-ca.pem /etc/kelvin/
    install -o root -g kelvin -m 0640 /payload/kelvin.conf /etc/kelvin/kelvin.conf
    mkdir -p /etc/systemd/system/$UNIT.d
    echo "$DROP_IN" >/etc/systemd/system/$UNIT.d/test.conf
    systemctl daemon-reload

    scenario 1 "systemctl enable --now kelvin: started only after READY=1, provisions, reads the I²C sensor as kelvin, delivers"
    mark /tmp/c1
    run systemctl enable --now $UNIT
    echo "$(prop ActiveState) $(prop SubState)"
    is_running || systemctl status --no-pager -l -n 30 $UNIT
    pid=$(prop MainPID)
    echo "main process user: $(stat -c %U /proc/$pid)"
    # With Type=notify, `systemctl start` returns once systemd has READY=1; kelvin logs sending it
    # (at debug level). The journal's order of the two is not to be trusted: kelvin's line comes
    # through a stream, systemd's straight.
    echo "ready: Type=$(prop Type), kelvin sent READY=1: $(kelvin_lines /tmp/c1 | grep -qx 'told systemd READY=1' && echo yes || echo no)"
    wait_for 30 bash -c 'journalctl -o cat _SYSTEMD_UNIT=kelvin.service | grep -q "^sent "'
    kelvin_lines /tmp/c1 | grep -v '^queued ' | head -n 12
    end

    scenario 2 "StatusText is kelvin's STATUS= line; journalctl -p warning gives exactly the warnings"
    wait_for 20 bash -c 'systemctl show -p StatusText --value kelvin | grep -q "^sent [1-9]"'
    run systemctl show -p StatusText $UNIT
    echo "warnings: $(journalctl -o cat _SYSTEMD_UNIT=$UNIT -p warning | wc -l)"
    journalctl -o cat _SYSTEMD_UNIT=$UNIT -p warning
    end

    scenario 3 "systemctl reload with a shorter interval: applied, same MainPID, nothing lost"
    pid=$(prop MainPID)
    sed -i 's/^interval = 2s$/interval = 500ms/' /etc/kelvin/kelvin.conf
    mark /tmp/c3
    run systemctl reload $UNIT
    sleep 6
    [ "$(prop MainPID)" = "$pid" ] && echo "MainPID unchanged" || echo "MainPID changed: $pid -> $(prop MainPID)"
    # At 500 ms the 6 s after the reload hold about 12 readings; at the old 2 s, 3.
    echo "readings in the 6 s after the reload: $(kelvin_lines /tmp/c3 | grep -c '^queued ')"
    kelvin_lines /tmp/c3 | grep -v -e '^queued ' -e '^sent ' | head -n 8
    sed -i 's/^interval = 500ms$/interval = 2s/' /etc/kelvin/kelvin.conf
    systemctl reload $UNIT
    end

    scenario 5a "kill -SEGV: restarted after RestartSec"
    pid=$(prop MainPID)
    mark /tmp/c5
    note "kill -SEGV $pid"
    kill -SEGV "$pid"
    t0=$SECONDS
    if wait_for 60 restarted_from "$pid"; then
        echo "restarted after SIGSEGV: a new MainPID, active"
    else
        echo "not restarted within 60 s: $(prop ActiveState) $(prop SubState)"
    fi
    delay=$((SECONDS - t0))
    echo "restart delay at least RestartSec: $([ $delay -ge $RESTART_SEC ] && echo yes || echo no) ($delay s, RestartSec=${RESTART_SEC}s)"
    unit_lines /tmp/c5 | grep -v -e '^queued ' -e '^sent ' | head -n 8
    end

    scenario 4 "kill -STOP: the watchdog kills and restarts it; the restarted run delivers the spool"
    wait_for 20 is_running
    pid=$(prop MainPID)
    mark /tmp/c4
    note "kill -STOP $pid (WatchdogSec=${WATCHDOG_SEC}s)"
    kill -STOP "$pid"
    t0=$SECONDS
    if wait_for $((WATCHDOG_SEC + RESTART_SEC + 60)) restarted_from "$pid"; then
        echo "restarted by the watchdog: a new MainPID, active"
    else
        echo "not restarted: $(prop ActiveState) $(prop SubState)"
    fi
    echo "seconds from SIGSTOP to running again: $((SECONDS - t0))"
    wait_for 30 queued_zero
    echo "after the restart: queued $(prop StatusText | sed -n 's/.*queued \([0-9]*\),.*/\1/p')"
    unit_lines /tmp/c4 | grep -v -e '^queued ' -e '^sent ' | head -n 10
    end

    scenario 5b "a bad configuration: stopped, not restarted, the one-line error in the journal"
    cp /etc/kelvin/kelvin.conf /tmp/kelvin.conf.good
    sed -i 's/^interval = 2s$/interval = often/' /etc/kelvin/kelvin.conf
    mark /tmp/c5b
    note "interval = often; systemctl restart kelvin"
    systemctl restart $UNIT 2>/dev/null
    wait_for 20 bash -c '[ "$(systemctl show -p ActiveState --value kelvin)" = failed ]'
    echo "state: $(prop ActiveState), exit status $(prop ExecMainStatus)"
    invocation=$(prop InvocationID)
    echo "error lines: $(journalctl -o cat _SYSTEMD_INVOCATION_ID="$invocation" -p err | wc -l)"
    journalctl -o cat _SYSTEMD_INVOCATION_ID="$invocation" -p err
    sleep $((RESTART_SEC + 2))
    echo "still stopped after RestartSec: $([ "$(prop ActiveState)" = failed ] && echo yes || echo no)"
    install -o root -g kelvin -m 0640 /tmp/kelvin.conf.good /etc/kelvin/kelvin.conf
    systemctl reset-failed $UNIT
    systemctl start $UNIT
    end

    scenario 7 "systemctl stop: exit 0 within TimeoutStopSec"
    wait_for 20 is_running
    mark /tmp/c7
    t0=$(date +%s%N)
    systemctl stop $UNIT
    ms=$((($(date +%s%N) - t0) / 1000000))
    echo "stop: exit status $(prop ExecMainStatus), result $(prop Result)"
    limit=$(($(prop TimeoutStopUSec | sed 's/s$//; s/min/*60+/; s/+$//') ))
    echo "stopped within TimeoutStopSec: $([ $ms -lt $((limit * 1000)) ] && echo yes || echo no) ($ms ms, TimeoutStopSec=${limit}s)"
    kelvin_lines /tmp/c7 | grep -v -e '^queued ' -e '^sent '
    systemctl start $UNIT
    end

    scenario 8 "systemd-analyze security kelvin, online"
    systemd-analyze security --no-pager $UNIT | grep -E '^(✗|→)' | head -n 40
    end

    scenario 6a "power cut: the hub out of reach, readings spooled, then QEMU killed"
    wait_for 20 is_running
    mark /tmp/c6
    note "ip route add blackhole $CLOUD_ADDRESS (kelvin-cloud.test)"
    ip route add blackhole "$CLOUD_ADDRESS/32"
    wait_for 30 bash -c '[ "$(journalctl --after-cursor="$(cat /tmp/c6)" -o cat _SYSTEMD_UNIT=kelvin.service | grep -c "^queued ")" -ge 4 ]'
    kelvin_lines /tmp/c6 | sed -n 's/^queued /spooled: /p'
    list_queued
    mkdir -p "${PHASE_FILE%/*}"
    echo after-power-cut >"$PHASE_FILE"
    sync
    end
    echo "@@ power-cut"
    sleep 600
}

second_boot() {
    echo "@@ guest up again: $(uname -r)"
    scenario 6 "after the power cut: started from the saved assignment, every spooled reading delivered"
    wait_for 60 is_running
    wait_for 60 queued_zero
    echo "after the power cut: queued $(prop StatusText | sed -n 's/.*queued \([0-9]*\),.*/\1/p')"
    journalctl -b -o cat _SYSTEMD_UNIT=$UNIT | grep -v -e '^queued ' -e '^sent ' | head -n 12
    end

    scenario 10 "dpkg -i of a newer version: the service restarts once and keeps its state"
    pid=$(prop MainPID)
    mark /tmp/c10
    cp /payload/kelvin-newer.deb "/tmp/kelvin_${NEWER_VERSION}_amd64.deb"
    run dpkg -i "/tmp/kelvin_${NEWER_VERSION}_amd64.deb"
    wait_for 30 is_running
    echo "installed: $(dpkg-query -W -f '${Version}' kelvin)"
    echo "restarts during the upgrade: $(unit_lines /tmp/c10 | grep -c '^Started ')"
    ls /var/lib/kelvin | grep -x assignment | sed 's/^/state kept: /'
    unit_lines /tmp/c10 | grep -v -e '^queued ' -e '^sent ' | head -n 8
    end

    list_queued
    scenario 9 "apt remove keeps /etc/kelvin and /var/lib/kelvin; apt purge removes them and the user"
    run apt-get remove -y -qq kelvin
    kept() { [ -e "$1" ] && echo "$1 kept" || echo "$1 gone"; }
    user() { id kelvin >/dev/null 2>&1 && echo "user kelvin kept" || echo "user kelvin gone"; }
    echo "after remove: $(kept /etc/kelvin), $(kept /var/lib/kelvin), $(user)"
    run apt-get purge -y -qq kelvin
    echo "after purge: $(kept /etc/kelvin | sed 's/kept$/still there/'), $(kept /var/lib/kelvin | sed 's/kept$/still there/'), $(user | sed 's/kept$/still there/')"
    end
    echo "@@ guest done"
    systemctl poweroff
}

case "${1:-}" in
    hardware) setup_i2c; setup_gpio || echo "@@ setup: gpio-sim did not come up" ;;
    *) if [ -f "$PHASE_FILE" ]; then second_boot; else first_boot; fi ;;
esac
