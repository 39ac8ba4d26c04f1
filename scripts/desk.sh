#!/usr/bin/env bash
# The desk page in a real browser: kelvin sends readings through an outage, then headless
# Chromium opens the page on the admin port and scripts/lib/desk_browser.py checks it from the
# DOM (one point per reading, the late backlog, the gap, an outage started from the page's button
# reaching the hub), prints the page's weight and saves screenshots in out/desk/.
#   scripts/desk.sh KELVIN-BINARY      (KELVIN_CLOUD names the emulator binary)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../cross/lib.sh"
source "$REPO_ROOT/scripts/lib/cloud.sh"

kelvin=$1
cloud=${KELVIN_CLOUD:?KELVIN_CLOUD must name the kelvin-cloud binary}
unset KELVIN_CLOUD https_proxy HTTPS_PROXY
ensure_packages chromium chromium-driver fonts-dejavu-core python3

device=kelvin-desk-device
out="$REPO_ROOT/out/desk"
work=$(mktemp -d "${TMPDIR:-/tmp}/kelvin-desk.XXXXXX")
driver_pid=
cleanup() {
    [ -z "$driver_pid" ] || kill "$driver_pid" 2>/dev/null || true
    cloud_stop
    rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$out"

"$cloud" init --dir "$work" --registration-id "$device" >/dev/null
cloud_start "$cloud" "$work" "$work/cloud.log" --dps-port 0 --hub-port 0 --admin-port 0 --retry-after 1 \
    || die "kelvin-cloud did not start"
admin=${cloud_admin%/admin/}
run=("$kelvin" run --dps "$cloud_dps" --ca-file "$work/server-ca.pem" --cert "$work/device-cert.pem"
    --key "$work/device-key.pem" --state-dir "$work/state")

# Twelve readings a second apart; once three have arrived, the hub goes down for fifteen seconds,
# longer than the page's ten seconds of "late", so that arrivals stop and a backlog waits.
"${run[@]}" --count 12 --interval 1 >"$work/first-run.log" 2>&1 &
first_run=$!
arrived() { curl -sf "$admin/admin/messages" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["messages"]))'; }
for _ in $(seq 1 600); do
    [ "$(arrived)" -ge 3 ] && break
    kill -0 "$first_run" 2>/dev/null || break
    sleep 0.1
done
[ "$(arrived)" -ge 3 ] || { cat "$work/first-run.log" >&2; die "the first three readings did not arrive within 60 s"; }
curl -sf -X POST "$admin/admin/outage" -d '{"seconds": 15}' >/dev/null || die "the admin API did not start the outage"
wait "$first_run" || { cat "$work/first-run.log" "$work/cloud.log" >&2; die "the first kelvin run failed"; }
log "kelvin delivered 12 readings, $(grep -c 'ServiceUnavailable (outage)' "$work/cloud.log") attempts refused during a 15 s outage"

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
chromedriver --port="$port" >"$work/chromedriver.log" 2>&1 &
driver_pid=$!
for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/status" >/dev/null 2>&1 && break
    sleep 0.1
done

python3 "$REPO_ROOT/scripts/lib/desk_browser.py" --admin "$admin" --driver "http://127.0.0.1:$port" \
    --device "$device" --out "$out" -- "${run[@]}" --count 16 --interval 0.5 \
    || { echo "--- kelvin-cloud log ---" >&2; tail -n 60 "$work/cloud.log" >&2; die "the desk page failed its checks"; }
