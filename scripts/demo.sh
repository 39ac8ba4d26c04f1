#!/usr/bin/env bash
# `make demo`: the whole job on one machine, no Azure subscription needed. Builds both programs,
# starts the local DPS + IoT Hub emulator, lets `kelvin` provision and send a few simulated
# readings, shows what the emulator received, and stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."

readings=${READINGS:-8}
dps_port=${DPS_PORT:-44300}
hub_port=${HUB_PORT:-44301}
demo=out/demo

scripts/install-deps.sh
echo "demo: building kelvin and kelvin-cloud (the first build takes a few minutes)"
swift build --product kelvin 2>&1 | tail -1
swift build --product kelvin-cloud 2>&1 | tail -1
bin=$(realpath --relative-to=. "$(swift build --show-bin-path)")

mkdir -p "$demo"
"$bin/kelvin-cloud" init --dir "$demo" --registration-id kelvin-demo-device
source scripts/lib/cloud.sh
trap cloud_stop EXIT
cloud_start "$bin/kelvin-cloud" "$demo" "$demo/cloud.log" --dps-port "$dps_port" --hub-port "$hub_port" \
    --admin-port "${ADMIN_PORT:-44302}" --retry-after 1
echo "$cloud_banner"

# The emulator is on loopback: a proxy from the environment must not stand in between.
unset https_proxy HTTPS_PROXY
# Two seconds into the run the hub goes down for four: the readings taken meanwhile queue up and
# reach the hub in one batch once it is back.
(sleep 2 && curl -s -X POST "127.0.0.1:${ADMIN_PORT:-44302}/admin/outage" -d '{"seconds": 4}' >/dev/null \
    && echo "demo: the hub is down for 4 s") &
set -x
"$bin/kelvin" run --dps "localhost:$dps_port" --id-scope 0ne00000001 \
    --cert "$demo/device-cert.pem" --key "$demo/device-key.pem" --ca-file "$demo/server-ca.pem" \
    --state-dir "$demo/state" --count "$readings" --interval 1
{ set +x; } 2>/dev/null

cloud_stop
trap - EXIT
echo "demo: what kelvin-cloud saw:"
sed 's/^/  | /' "$demo/cloud.log"
received=$(grep -c 'telemetry kelvin-demo-device' "$demo/cloud.log" || true)
if [ "$received" -lt "$readings" ]; then
    echo "demo: FAILED: the emulator received $received of $readings readings" >&2
    exit 1
fi
echo "demo: the emulator received $received readings from the provisioned device"
