#!/usr/bin/env bash
# Power cuts: the built `kelvin` is killed with SIGKILL at random moments, CYCLES times (default
# 200), while it sends to `kelvin-cloud`; then one last run drains the spool. Every reading a run
# logged as queued (it is in the spool by then) must have reached the hub. Prints the figures.
#   scripts/power-cut.sh KELVIN-COMMAND...     e.g. scripts/power-cut.sh .build/debug/kelvin
# KELVIN_CLOUD names the emulator binary (default .build/debug/kelvin-cloud).
set -euo pipefail
unset https_proxy HTTPS_PROXY

kelvin=("$@")
cloud=${KELVIN_CLOUD:-.build/debug/kelvin-cloud}
unset KELVIN_CLOUD
cycles=${CYCLES:-200}
work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-power-cut.XXXXXX")
source "$(dirname "${BASH_SOURCE[0]}")/lib/cloud.sh"
cleanup() {
    cloud_stop
    rm -rf "$work"
}
trap cleanup EXIT
fail() {
    echo "power-cut: FAIL: $*" >&2
    exit 1
}

"$cloud" init --dir "$work" --registration-id kelvin-power-cut >/dev/null
cloud_start "$cloud" "$work" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --retry-after 1 --max-seconds 900 \
    || fail "kelvin-cloud did not start"
dps=$cloud_dps admin=$cloud_admin
options=(--dps "$dps" --ca-file "$work/server-ca.pem" --cert "$work/device-cert.pem" --key "$work/device-key.pem"
    --state-dir "$work/state" --log-level debug)

# Registering with DPS takes over a second here; provision once first, so that the cuts fall
# where the readings are.
"${kelvin[@]}" provision "${options[@]}" >"$work/provision.log" 2>&1 || { cat "$work/provision.log" >&2; fail "provisioning failed"; }

start=$(date +%s)
for cycle in $(seq 1 "$cycles"); do
    "${kelvin[@]}" run "${options[@]}" --count 0 --interval 0.02 >"$work/cycle-$cycle.log" 2>&1 &
    pid=$!
    # 20–420 ms: sometimes while provisioning or opening the spool, mostly mid-send.
    sleep "0.$(printf '%03d' $(( 20 + RANDOM % 400 )))"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
"${kelvin[@]}" run "${options[@]}" --count 1 >"$work/final.log" 2>&1 || { cat "$work/final.log" >&2; fail "the run after the last power cut failed"; }
elapsed=$(( $(date +%s) - start ))

grep -ho 'queued [^ ]*' "$work"/cycle-*.log "$work/final.log" | cut -d' ' -f2 | sort -u >"$work/queued"
curl -sf "${admin}messages" >"$work/messages.json" || fail "admin API did not answer"
grep -o '"messageId":"[^"]*"' "$work/messages.json" | cut -d'"' -f4 | sort -u >"$work/received"
queued=$(wc -l <"$work/queued")
received=$(wc -l <"$work/received")
missing=$(comm -23 "$work/queued" "$work/received" | wc -l)
duplicates=$(grep -o '"duplicates":[0-9]*' "$work/messages.json" | cut -d: -f2)
[ "$queued" -ge "$cycles" ] || fail "only $queued readings were queued over $cycles cycles"
if [ "$missing" -ne 0 ]; then
    comm -23 "$work/queued" "$work/received" | head -5 >&2
    fail "$missing of $queued queued readings never reached the hub"
fi
echo "power-cut: PASS: $cycles SIGKILLs in ${elapsed} s; $queued readings queued, all delivered ($received distinct message IDs at the hub, $duplicates repeats of an ID — a reading delivered just before a kill, sent again after it)"
