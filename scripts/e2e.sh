#!/usr/bin/env bash
# End to end: a built `kelvin` provisions against `kelvin-cloud` on loopback and delivers
# readings; bad inputs each give one clear line and their sysexits code.
#   scripts/e2e.sh LABEL KELVIN-COMMAND...     e.g. scripts/e2e.sh host .build/debug/kelvin
# KELVIN_CLOUD names the emulator binary (default .build/debug/kelvin-cloud).
set -euo pipefail

# The emulator is on loopback: a proxy from the environment must not stand in between.
unset https_proxy HTTPS_PROXY

label=$1
shift
kelvin=("$@")
cloud=${KELVIN_CLOUD:-.build/debug/kelvin-cloud}
registration_id=kelvin-e2e-device
work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-e2e.XXXXXX")
cloud_pid=

cleanup() {
    if [ -n "$cloud_pid" ] && kill -0 "$cloud_pid" 2>/dev/null; then
        kill "$cloud_pid" 2>/dev/null || true
        wait "$cloud_pid" 2>/dev/null || true
    fi
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
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger-device -days 2 \
    -keyout "$work/stranger-key.pem" -out "$work/stranger-cert.pem" 2>/dev/null

"$cloud" serve --dir "$work" --dps-port 0 --hub-port 0 --admin-port 0 --retry-after 1 --max-seconds 300 >"$work/cloud.log" 2>&1 &
cloud_pid=$!
for _ in $(seq 1 300); do
    grep -q 'DPS on ' "$work/cloud.log" 2>/dev/null && break
    kill -0 "$cloud_pid" 2>/dev/null || fail "kelvin-cloud exited before listening"
    sleep 0.1
done
banner=$(grep 'DPS on ' "$work/cloud.log") || fail "kelvin-cloud did not start listening"
dps=$(sed -E 's/.*DPS on ([^,]+),.*/\1/' <<<"$banner")
admin=$(grep -o 'http://127.0.0.1:[0-9]*/admin/' "$work/cloud.log") || fail "kelvin-cloud printed no admin API address"
echo "e2e[$label]: kelvin-cloud is up ($banner)"

common=(--dps "$dps" --ca-file "$work/server-ca.pem" --connect-timeout 20 --io-timeout 30)

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

expect_failure "missing certificate" 66 "missing-cert.pem" -- run "${common[@]}" \
    --cert "$work/missing-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "wrong passphrase" 78 "passphrase does not open" -- run "${common[@]}" \
    --cert "$work/device-cert.pem" --key "$work/device-key-encrypted.pem" --key-passphrase-file "$work/wrong-passphrase" --count 1
expect_failure "key of another certificate" 78 "does not belong" -- run "${common[@]}" \
    --cert "$work/device-cert.pem" --key "$work/stranger-key.pem" --count 1
expect_failure "untrusted server" 78 "not trusted" -- run --dps "$dps" --ca-file "$work/stranger-cert.pem" \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "unenrolled device" 77 "enrolled" -- run "${common[@]}" \
    --cert "$work/stranger-cert.pem" --key "$work/stranger-key.pem" --count 1
expect_failure "unreachable DPS" 69 "127.0.0.1:9" -- run --dps 127.0.0.1:9 --ca-file "$work/server-ca.pem" \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1 --provisioning-timeout 3
https_proxy=https://proxy.invalid:3128 expect_failure "unusable proxy URL" 78 "https_proxy is not a usable proxy URL" -- \
    run "${common[@]}" --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1
expect_failure "unreachable proxy" 69 "cannot reach the proxy 127.0.0.1:9" -- run "${common[@]}" --proxy http://127.0.0.1:9 \
    --cert "$work/device-cert.pem" --key "$work/device-key.pem" --count 1 --provisioning-timeout 3

start=$(date +%s%3N)
"${kelvin[@]}" run "${common[@]}" --cert "$work/device-cert.pem" --key "$work/device-key-encrypted.pem" \
    --key-passphrase-file "$work/passphrase" --count 3 --interval 0.2 | sed "s/^/e2e[$label]: | /" \
    || fail "kelvin run failed"
elapsed_ms=$(( $(date +%s%3N) - start ))

received=$(grep -c "telemetry $registration_id" "$work/cloud.log" || true)
[ "$received" -ge 3 ] || fail "kelvin-cloud received $received readings, expected 3"
grep "telemetry $registration_id" "$work/cloud.log" | sed "s/^/e2e[$label]: cloud | /"
# The admin API counts repeated iothub-messageid values: a retry must never reach the hub twice.
duplicates=$(curl -sf "${admin}messages" | grep -o '"duplicates":[0-9]*' | cut -d: -f2) \
    || fail "admin API ${admin}messages did not answer"
[ "$duplicates" = 0 ] || fail "kelvin-cloud saw $duplicates duplicated message IDs"
echo "e2e[$label]: PASS: provisioned and delivered $received readings in ${elapsed_ms} ms"
