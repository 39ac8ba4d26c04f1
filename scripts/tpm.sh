#!/usr/bin/env bash
# `make test-tpm`: the device key in a TPM, end to end, with a software TPM (swtpm) on loopback.
# kelvin creates an EC P-256 key inside the TPM and a CSR signed by it; kelvin-cloud issues the
# certificate under its test chain's intermediate and enrolls the chain; kelvin then provisions
# and delivers readings with every TLS signature made in the TPM, and no private key of the
# device is anywhere on disk. Bad settings each give one error line.
#   scripts/tpm.sh KELVIN KELVIN-CLOUD
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/cross/lib.sh"
kelvin=$1 cloud=$2
ensure_packages swtpm swtpm-tools tpm2-openssl tpm2-tools python3 curl
# The emulator is on loopback: a proxy from the environment must not stand in between.
unset https_proxy HTTPS_PROXY TPM2TOOLS_TCTI
source "$root/scripts/lib/cloud.sh"

work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-tpm.XXXXXX")
device="$work/device" emulator="$work/cloud"
mkdir -p "$device/tmp" "$emulator" "$work/tpm"
registration_id=kelvin-tpm-device
swtpm_pid=
cleanup() {
    cloud_stop
    [ -n "$swtpm_pid" ] && kill "$swtpm_pid" 2>/dev/null && wait "$swtpm_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "tpm: FAIL: $*" >&2
    [ -f "$work/cloud.log" ] && { echo "--- kelvin-cloud log ---" >&2; cat "$work/cloud.log" >&2; }
    exit 1
}

tpm_port=$("$root/scripts/lib/tpm-port.py")
ctrl_port=$((tpm_port + 1))
swtpm socket --tpm2 --tpmstate dir="$work/tpm" --flags not-need-init,startup-clear \
    --server type=tcp,port="$tpm_port",bindaddr=127.0.0.1 --ctrl type=tcp,port="$ctrl_port",bindaddr=127.0.0.1 \
    >"$work/swtpm.log" 2>&1 &
swtpm_pid=$!
for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$tpm_port") 2>/dev/null && break
    kill -0 "$swtpm_pid" 2>/dev/null || fail "swtpm exited: $(cat "$work/swtpm.log")"
    sleep 0.1
done
export TPM2OPENSSL_TCTI="swtpm:host=127.0.0.1,port=$tpm_port"
echo "tpm: swtpm on 127.0.0.1:$tpm_port (TPM2OPENSSL_TCTI=$TPM2OPENSSL_TCTI)"

# run_kelvin NAME ARGS...: a kelvin command that must succeed; its output in $work/NAME.out.
run_kelvin() {
    local name=$1
    shift
    "$kelvin" "$@" >"$work/$name.out" 2>&1 || { cat "$work/$name.out" >&2; fail "$name: kelvin exited $?"; }
    sed "s/^/tpm: $name | /" "$work/$name.out"
}
# expect_failure NAME EXIT-CODE TEXT -- ARGS...: kelvin must exit EXIT-CODE with one error line saying TEXT.
expect_failure() {
    local name=$1 code=$2 text=$3 status=0
    shift 4
    "$kelvin" "$@" >"$work/out" 2>"$work/err" || status=$?
    [ "$status" -eq "$code" ] || fail "$name: exit $status, expected $code; stderr: $(cat "$work/err")"
    grep -q -- "$text" "$work/err" || fail "$name: stderr lacks '$text': $(cat "$work/err")"
    [ "$(grep -c 'error:' "$work/err")" -eq 1 ] || fail "$name: expected one error line: $(cat "$work/err")"
    ! grep -qE '^(ERROR|WARNING):' "$work/err" || fail "$name: the TPM software stack logged besides kelvin's line: $(cat "$work/err")"
    echo "tpm: ok  $name -> exit $status: $(cat "$work/err")"
}

# The key, made inside the TPM and persisted; tpm2-tools' scratch files go to TMPDIR and are removed.
TMPDIR="$device/tmp" run_kelvin create key create --tpm --handle 0x81000001
grep -q "created a key (EC P-256) inside the TPM, persisted at handle:0x81000001" "$work/create.out" || fail "key create said otherwise"
[ -z "$(ls -A "$device/tmp")" ] || fail "key create left files behind: $(ls -A "$device/tmp")"
expect_failure "handle already taken" 78 "already holds a key" -- key create --tpm --handle 0x81000001
run_kelvin csr key csr --key-provider tpm2 --key handle:0x81000001 --registration-id "$registration_id" --out "$device/device.csr"
openssl req -in "$device/device.csr" -noout -verify 2>&1 | grep -q "verify OK" || fail "the CSR does not verify"

# The emulator signs the request under its chain's intermediate and enrolls the chain's root.
"$cloud" pki server --dir "$emulator" >/dev/null
"$cloud" pki sign --dir "$emulator" --csr "$device/device.csr" --out "$device/device-cert.pem" | sed "s/^/tpm: pki sign | /"
openssl x509 -in "$device/device-cert.pem" -noout -subject | grep -q "CN = $registration_id" || fail "the certificate does not name $registration_id"
cp "$emulator/server-ca.pem" "$device/server-ca.pem"
cloud_start "$cloud" "$emulator" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --max-seconds 300 \
    --group-ca "$emulator/root-ca-cert.pem" || fail "kelvin-cloud did not start"
echo "tpm: kelvin-cloud is up ($cloud_banner)"

# The device's settings name the key by its handle, as /etc/kelvin/kelvin.conf would.
cat >"$device/kelvin.conf" <<CONF
[dps]
endpoint = "$cloud_dps"

[identity]
certificate = "$device/device-cert.pem"
key = "handle:0x81000001"
key_provider = "tpm2"

[tls]
ca_file = "$device/server-ca.pem"

[state]
directory = "$device/state"
CONF

start=$(date +%s%3N)
run_kelvin run run --config "$device/kelvin.conf" --count 3 --interval 0.2
echo "tpm: provisioned and delivered 3 readings in $(( $(date +%s%3N) - start )) ms with the key in the TPM"
grep -q "after [0-9]* DPS requests" "$work/run.out" || fail "the run did not register with DPS"
delivered=$(curl -sf "${cloud_admin}messages?deviceId=$registration_id" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["messages"]))')
[ "$delivered" -eq 3 ] || fail "the hub holds $delivered readings from $registration_id, expected 3"
echo "tpm: the hub holds $delivered readings from $registration_id"

run_kelvin check check --config "$device/kelvin.conf"
grep -q "✔ key handle:0x81000001 in the OpenSSL provider tpm2 (EC P-256) signs" "$work/check.out" || fail "check did not say where the key is"

# What goes wrong says so in one line.
expect_failure "empty handle" 78 "holds no usable key at handle:0x81000002" -- \
    run --config "$device/kelvin.conf" --key handle:0x81000002 --count 1
expect_failure "handle without provider" 78 "add --key-provider tpm2" -- \
    run --dps "$cloud_dps" --cert "$device/device-cert.pem" --key handle:0x81000001 --count 1
TPM2OPENSSL_TCTI="swtpm:host=127.0.0.1,port=9" expect_failure "TPM unreachable" 69 "did not start (.*tcti" -- \
    run --config "$device/kelvin.conf" --count 1
OPENSSL_MODULES="$work/no-modules" expect_failure "provider not installed" 69 "provider tpm2 is not installed" -- \
    run --config "$device/kelvin.conf" --count 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=stranger -days 2 \
    -keyout "$work/stranger-key.pem" -out "$work/stranger-cert.pem" 2>/dev/null
expect_failure "key of another certificate" 78 "does not belong to the certificate" -- \
    run --config "$device/kelvin.conf" --cert "$work/stranger-cert.pem" --count 1
rm -f "$work/stranger-key.pem"

# Nothing on the device's side holds a private key: not the configuration, the certificate,
# the request, the state directory or the scratch directory.
if grep -rl "PRIVATE KEY" "$device"; then fail "a private key is on disk under the device's directory"; fi
echo "tpm: no file under the device's directory holds a private key: $(cd "$device" && find . -type f | sort | tr '\n' ' ')"
echo "tpm: passed"
