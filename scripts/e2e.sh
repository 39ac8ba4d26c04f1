#!/usr/bin/env bash
# End to end: a built `kelvin` provisions against `kelvin-cloud` on loopback and delivers
# readings; bad inputs each give one clear line and their sysexits code.
#   scripts/e2e.sh LABEL KELVIN-COMMAND...     e.g. scripts/e2e.sh host .build/debug/kelvin
# KELVIN_CLOUD names the emulator binary (default .build/debug/kelvin-cloud); KELVIN_CLOUD_TLS its
# TLS versions (1.2, 1.3 or both; default the emulator's, 1.2).
set -euo pipefail

# The emulator is on loopback: a proxy from the environment must not stand in between.
unset https_proxy HTTPS_PROXY

label=$1
shift
kelvin=("$@")
cloud=${KELVIN_CLOUD:-.build/debug/kelvin-cloud}
# kelvin warns about KELVIN_* variables that name no setting; this one is only for this script.
unset KELVIN_CLOUD
registration_id=kelvin-e2e-device
work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-e2e.XXXXXX")
source "$(dirname "${BASH_SOURCE[0]}")/lib/cloud.sh"

cleanup() {
    cloud_stop
    rm -rf "$work"
}
trap cleanup EXIT

fail() {
    echo "e2e[$label]: FAIL: $*" >&2
    if [ -f "$work/cloud.log" ]; then
        echo "--- kelvin-cloud log ---" >&2
        cat "$work/cloud.log" >&2
    fi
    exit 1
}

"$cloud" init --dir "$work" --registration-id "$registration_id" >/dev/null
# The walkthrough protects its key with a passphrase; so does this run.
openssl pkcs8 -topk8 -v2 aes-256-cbc -in "$work/device-key.pem" -out "$work/device-key-encrypted.pem" -passout pass:1234
printf '1234\n' >"$work/passphrase"
printf 'wrong\n' >"$work/wrong-passphrase"
# kelvin refuses a passphrase file others can read, as it does the key.
chmod 600 "$work/passphrase" "$work/wrong-passphrase"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger-device -days 2 \
    -keyout "$work/stranger-key.pem" -out "$work/stranger-cert.pem" 2>/dev/null

cloud_start "$cloud" "$work" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --retry-after 1 --max-seconds 300 \
    || fail "kelvin-cloud did not start"
banner=$cloud_banner dps=$cloud_dps admin=$cloud_admin
echo "e2e[$label]: kelvin-cloud is up ($banner)"

common=(--dps "$dps" --ca-file "$work/server-ca.pem" --connect-timeout 20 --io-timeout 30 --state-dir "$work/state")
# Sampling starts before the network is asked, so a run that fails at DPS has spooled its first
# readings for the next run to deliver: the failing runs below keep a state directory of their own.

# expect_failure NAME EXIT-CODE TEXT -- ARGS...: kelvin must exit with EXIT-CODE and say TEXT in one line.
expect_failure() {
    local name=$1 code=$2 text=$3
    shift 4
    local status=0
    "${kelvin[@]}" "$@" >"$work/out" 2>"$work/err" || status=$?
    [ "$status" -eq "$code" ] || fail "$name: exit $status, expected $code; stderr: $(cat "$work/err")"
    grep -q -- "$text" "$work/err" || fail "$name: stderr lacks '$text': $(cat "$work/err")"
    local lines
    lines=$(grep -c 'error:' "$work/err")
    [ "$lines" -eq 1 ] || fail "$name: expected one error line, got $lines"
    echo "e2e[$label]: ok  $name -> exit $status: $(grep 'error:' "$work/err")"
}

expect_failure "missing certificate" 66 "missing-cert.pem" -- run "${common[@]}" --state-dir "$work/failed-state" \
    --cert "$work/missing-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "wrong passphrase" 78 "passphrase does not open" -- run "${common[@]}" --state-dir "$work/failed-state" \
    --cert "$work/device-cert.pem" --key "$work/device-key-encrypted.pem" --key-passphrase-file "$work/wrong-passphrase" --count 1
expect_failure "key of another certificate" 78 "does not belong" -- run "${common[@]}" --state-dir "$work/failed-state" \
    --cert "$work/device-cert.pem" --key "$work/stranger-key.pem" --count 1
expect_failure "untrusted server" 78 "not trusted" -- run --dps "$dps" --ca-file "$work/stranger-cert.pem" --state-dir "$work/failed-state" \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "unenrolled device" 77 "enrolled" -- run "${common[@]}" --state-dir "$work/failed-state" \
    --cert "$work/stranger-cert.pem" --key "$work/stranger-key.pem" --count 1
expect_failure "unreachable DPS" 69 "127.0.0.1:9" -- run --dps 127.0.0.1:9 --ca-file "$work/server-ca.pem" --state-dir "$work/failed-state" \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1 --provisioning-timeout 3
https_proxy=https://proxy.invalid:3128 expect_failure "unusable proxy URL" 78 "https_proxy is not a usable proxy URL" -- \
    run "${common[@]}" --state-dir "$work/failed-state" --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "payload that is not JSON" 64 "payload is not valid JSON" -- run "${common[@]}" --state-dir "$work/failed-state" --payload '{model' \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "property with a space" 64 "--property room=living room" -- run "${common[@]}" --state-dir "$work/failed-state" --property "room=living room" \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "I2C not enabled" 69 "dtparam=i2c_arm=on" -- read --sensor bme280@250
expect_failure "no such hwmon sensor" 69 "no hwmon device whose name is" -- read --sensor hwmon:kelvin-no-such-sensor
expect_failure "sensor at an impossible address" 78 "cannot be at 0x50" -- read --sensor sht3x:0x50
expect_failure "unreachable proxy" 69 "cannot reach the proxy 127.0.0.1:9" -- run "${common[@]}" --state-dir "$work/failed-state" --proxy http://127.0.0.1:9 \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1 --provisioning-timeout 3

# run_kelvin NAME ARGS...: a run that must succeed; its output is kept in $work/NAME.out.
run_kelvin() {
    local name=$1
    shift
    "${kelvin[@]}" "$@" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; fail "$name: kelvin exited $?"; }
    sed "s/^/e2e[$label]: $name | /" "$work/$name.out"
}
device=(--cert "$work/device-cert.pem" --key "$work/device-key-encrypted.pem" --key-passphrase-file "$work/passphrase")

# Smoke: the version, and readings from the simulated sensor (a fixed one, and a wave below 0 °C).
run_kelvin version --version
grep -Eq '^kelvin [0-9]+\.[0-9]+\.[0-9]+$' "$work/version.out" || fail "--version printed no version"
run_kelvin read read --sensor simulated:21.5:0:0
grep -q '^simulated sensor: 21\.50 °C, [0-9.]* %RH, [0-9.]* hPa$' "$work/read.out" || fail "read did not show 21.50 °C"
run_kelvin read-below-zero read --sensor simulated:-40.25:0:0
grep -q '^simulated sensor: -40\.25 °C' "$work/read-below-zero.out" || fail "read did not show -40.25 °C"

start=$(date +%s%3N)
run_kelvin first-run run "${common[@]}" "${device[@]}" --count 3 --interval 0.2 \
    --property site=bench-1 --include humidity,pressure
elapsed_ms=$(( $(date +%s%3N) - start ))
grep -q "after [0-9]* DPS requests" "$work/first-run.out" || fail "the first run did not register with DPS"
[ -f "$work/state/assignment" ] || fail "the first run saved no assignment in $work/state"

# `check` passes every line once the key is private; `status` shows the saved assignment.
chmod 644 "$work/device-key-encrypted.pem"
expect_failure "key readable by others" 78 "check(s) failed" -- check "${common[@]}" "${device[@]}"
grep -q "✘ key $work/device-key-encrypted.pem can be read by others" "$work/out" || fail "check did not flag the readable key"
chmod 600 "$work/device-key-encrypted.pem"
run_kelvin check check "${common[@]}" "${device[@]}"
[ "$(grep -c '^✔' "$work/check.out")" -ge 7 ] || fail "check passed fewer than 7 lines"
run_kelvin status status "${common[@]}" "${device[@]}"
grep -q "assignment:  hub " "$work/status.out" || fail "status did not show the saved assignment"
grep -q "spool:       0 reading(s) waiting" "$work/status.out" || fail "status did not show an empty spool"
grep -q "counters:    delivered 3, " "$work/status.out" || fail "status did not count the 3 delivered readings"

# Provision once: the next start reuses the saved assignment and asks DPS nothing.
dps_requests_before=$(grep -c "dps: $registration_id registering" "$work/cloud.log" || true)
run_kelvin second-run run "${common[@]}" "${device[@]}" --count 1
grep -q "using the saved assignment" "$work/second-run.out" || fail "the second run did not reuse the saved assignment"
dps_requests_after=$(grep -c "dps: $registration_id registering" "$work/cloud.log" || true)
[ "$dps_requests_before" = "$dps_requests_after" ] || fail "the second run registered with DPS again"

# A torn state file (a power cut mid-write on a file system without rename atomicity) is
# ignored with a warning, and DPS is asked again.
head -c 40 "$work/state/assignment" >"$work/state/torn" && mv "$work/state/torn" "$work/state/assignment"
run_kelvin torn-state run "${common[@]}" "${device[@]}" --count 1
grep -q "warning: ignoring $work/state/assignment" "$work/torn-state.out" || fail "a torn state file was not reported"
grep -q "after [0-9]* DPS requests" "$work/torn-state.out" || fail "a torn state file did not lead to provisioning"

# The operator deletes the device: the hub rejects it, kelvin provisions again and carries on.
curl -sf -X DELETE "${admin}registrations/$registration_id" >/dev/null || fail "admin API could not delete the registration"
run_kelvin after-delete run "${common[@]}" "${device[@]}" --count 1 --reprovision-interval 0
grep -q "no longer accepts this device" "$work/after-delete.out" || fail "kelvin did not notice the deleted device"
grep -q "assigned to hub" "$work/after-delete.out" || fail "kelvin did not provision again after the deletion"

# `provision --force` registers again on purpose.
run_kelvin provision-force provision "${common[@]}" "${device[@]}" --force
grep -q "after [0-9]* DPS requests" "$work/provision-force.out" || fail "provision --force did not register with DPS"

# Store and forward: with the hub down, readings go to the spool; a power cut (SIGKILL) loses
# none of them, and the next run delivers them before its own.
curl -sf -X POST "${admin}outage" -d '{"seconds": 600}' >/dev/null || fail "admin API could not start an outage"
"${kelvin[@]}" run "${common[@]}" "${device[@]}" --count 0 --interval 0.2 >"$work/power-cut.out" 2>&1 &
power_cut_pid=$!
for _ in $(seq 1 100); do
    [ "$(grep -c 'sending [0-9]* reading(s) again' "$work/power-cut.out")" -ge 2 ] && break
    sleep 0.1
done
sleep 1
kill -KILL "$power_cut_pid" 2>/dev/null || true
wait "$power_cut_pid" 2>/dev/null || true
curl -sf -X DELETE "${admin}faults" >/dev/null || fail "admin API could not end the outage"
run_kelvin after-power-cut run "${common[@]}" "${device[@]}" --count 1
grep -q "reading(s) from an earlier run are in the spool" "$work/after-power-cut.out" \
    || fail "the run after the power cut found nothing in the spool"
spooled=$(sed -n 's/.* \([0-9][0-9]*\) reading(s) from an earlier run.*/\1/p' "$work/after-power-cut.out")
echo "e2e[$label]: ok  power cut with the hub down: $spooled spooled reading(s) delivered by the next run"

received=$(grep -c "telemetry $registration_id" "$work/cloud.log" || true)
[ "$received" -ge $((7 + spooled)) ] || fail "kelvin-cloud received $received readings, expected $((7 + spooled))"
grep "telemetry $registration_id" "$work/cloud.log" | sed "s/^/e2e[$label]: cloud | /"
# (-m1, not `| head -1`: under pipefail a grep still writing when head exits fails with SIGPIPE.)
grep -m1 "telemetry $registration_id" "$work/cloud.log" | grep -q '"humidity": ' \
    || fail "the first reading carried no humidity"
# The admin API counts repeated iothub-messageid values: a retry must never reach the hub twice.
duplicates=$(curl -sf "${admin}messages" | grep -o '"duplicates":[0-9]*' | cut -d: -f2) \
    || fail "admin API ${admin}messages did not answer"
[ "$duplicates" = 0 ] || fail "kelvin-cloud saw $duplicates duplicated message IDs"
curl -sf "${admin}messages" | grep -q '"site":"bench-1"' || fail "the application property site=bench-1 did not arrive"
# Under systemd: READY=1 once the loop runs, STATUS= after deliveries, watchdog pings, journald
# priorities on stderr; SIGTERM during a long sleep ends the run at once with exit 0 and a
# summary. A python3 datagram socket stands in for systemd's notify socket.
notify_socket="$work/notify"
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(60)
with open(sys.argv[2], "a") as out:
    while True:
        try:
            message = s.recv(4096).decode()
        except socket.timeout:
            break
        out.write(message + "\n")
        out.flush()
        if message == "STOPPING=1":
            break
' "$notify_socket" "$work/notifications" &
notify_pid=$!
for _ in $(seq 1 50); do [ -S "$notify_socket" ] && break; sleep 0.1; done
# A 4 s watchdog (a ping every 2 s): kelvin refuses network timeouts longer than half of it.
NOTIFY_SOCKET=$notify_socket WATCHDOG_USEC=4000000 JOURNAL_STREAM=8:1 \
    "${kelvin[@]}" run "${common[@]}" "${device[@]}" --connect-timeout 2 --io-timeout 2 --count 0 --interval 60 \
    --log-level debug >"$work/service.out" 2>&1 &
kelvin_pid=$!
for _ in $(seq 1 300); do
    grep -q '^STATUS=sent 1' "$work/notifications" 2>/dev/null && break
    kill -0 "$kelvin_pid" 2>/dev/null || { cat "$work/service.out" >&2; fail "kelvin exited before its first delivery"; }
    sleep 0.1
done
sleep 2.2 # long enough for a watchdog ping during the 60 s sleep
stop_start=$(date +%s%3N)
kill -TERM "$kelvin_pid"
status=0
wait "$kelvin_pid" || status=$?
stop_ms=$(( $(date +%s%3N) - stop_start ))
wait "$notify_pid" 2>/dev/null || true
sed "s/^/e2e[$label]: service | /" "$work/service.out"
sed "s/^/e2e[$label]: notify | /" "$work/notifications"
[ "$status" -eq 0 ] || fail "kelvin exited $status after SIGTERM, expected 0"
[ "$stop_ms" -lt 2000 ] || fail "kelvin took $stop_ms ms to stop after SIGTERM"
grep -q '^<6>stopped by SIGTERM: sent 1, queued 0, hub ' "$work/service.out" || fail "no journald-style stop summary"
grep -q '^<7>told systemd READY=1$' "$work/service.out" || fail "no debug line for READY=1"
if grep -v '^<[3467]>' "$work/service.out" | grep -q .; then fail "a line without a journald priority"; fi
[ "$(head -1 "$work/notifications")" = "READY=1" ] || fail "the first notification was not READY=1"
grep -q '^STATUS=sent 1, queued 0, hub ' "$work/notifications" || fail "no STATUS= line after the delivery"
[ "$(grep -c '^WATCHDOG=1$' "$work/notifications")" -ge 2 ] || fail "fewer than two watchdog pings (at start and during the sleep)"
[ "$(tail -1 "$work/notifications")" = "STOPPING=1" ] || fail "the last notification was not STOPPING=1"
echo "e2e[$label]: ok  under systemd's protocols: READY, STATUS, watchdog pings, stopped by SIGTERM in $stop_ms ms"

# SIGHUP reloads the configuration file in place: a shorter interval applies at once, a broken
# file is refused with one error line and the run carries on as it was, and SIGTERM still ends
# it with exit 0. The spool and the message numbering stay as they were (no duplicates below).
printf '[telemetry]\ninterval = 60s\n' >"$work/kelvin.conf"
"${kelvin[@]}" run --config "$work/kelvin.conf" "${common[@]}" "${device[@]}" --count 0 >"$work/reload.out" 2>&1 &
kelvin_pid=$!
wait_for_sent() {
    local want=$1
    for _ in $(seq 1 200); do
        [ "$(grep -c ': sent [0-9.-]* °C to ' "$work/reload.out")" -ge "$want" ] && return 0
        kill -0 "$kelvin_pid" 2>/dev/null || { cat "$work/reload.out" >&2; fail "kelvin exited during the reload test"; }
        sleep 0.1
    done
    cat "$work/reload.out" >&2
    fail "fewer than $want readings sent in the reload test"
}
wait_for_sent 1
printf '[telemetry]\ninterval = 300ms\n' >"$work/kelvin.conf"
kill -HUP "$kelvin_pid"
wait_for_sent 4
printf '[telemetry]\nintervall = 1s\n' >"$work/kelvin.conf"
kill -HUP "$kelvin_pid"
for _ in $(seq 1 50); do grep -q 'reload failed' "$work/reload.out" && break; sleep 0.1; done
sent_after_bad_reload=$(( $(grep -c ': sent [0-9.-]* °C to ' "$work/reload.out") + 2 ))
wait_for_sent "$sent_after_bad_reload"
kill -TERM "$kelvin_pid"
status=0
wait "$kelvin_pid" || status=$?
sed "s/^/e2e[$label]: reload | /" "$work/reload.out"
[ "$status" -eq 0 ] || fail "kelvin exited $status after SIGTERM in the reload test"
grep -q 'error: reload failed, carrying on with the configuration as it was: .*kelvin.conf:2: unknown key telemetry.intervall' "$work/reload.out" \
    || fail "a broken configuration on SIGHUP was not refused with its line"
duplicates=$(curl -sf "${admin}messages" | grep -o '"duplicates":[0-9]*' | cut -d: -f2)
[ "$duplicates" = 0 ] || fail "kelvin-cloud saw $duplicates duplicated message IDs after the reloads"
received=$(grep -c "telemetry $registration_id" "$work/cloud.log" || true)
echo "e2e[$label]: ok  SIGHUP applied a new interval at once, refused a broken file and carried on"

echo "e2e[$label]: PASS: provisioned once, reused the assignment, re-provisioned after deletion; $received readings in all (first run ${elapsed_ms} ms)"
